#!/usr/bin/env bash
# Runs a command with Node >= 22 first on PATH (see node-env.sh).
set -euo pipefail
# shellcheck source=scripts/node-env.sh
source "$(dirname "${BASH_SOURCE[0]}")/node-env.sh"
exec "$@"
