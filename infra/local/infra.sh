#!/usr/bin/env bash
# Local real infrastructure for Maison, without Docker:
#   - Apache Kafka 4.1.1, single-node KRaft (broker+controller), jars from Maven Central, run with
#     the machine's Java 17 (owned by this script: started and stopped here);
#   - PostgreSQL and Redis: the machine's shared servers (checked, started if down, never stopped).
#
# Usage: bash infra/local/infra.sh <command>        (from any directory; see infra/local/README.md)
#   up               start/check everything, write .state/endpoints.json and .state/endpoints.env
#   down [--purge]   stop Kafka, remove the endpoints files (--purge also deletes Kafka's data)
#   status           one line per component; exit 0 when all are up, 1 otherwise
#   start-kafka      start Kafka only (waits until it is ready)
#   stop-kafka       stop Kafka gracefully (SIGTERM, SIGKILL after 30 s); endpoints files are kept
#   kill-kafka       kill Kafka with SIGKILL (crash simulation); endpoints files are kept
#   restart-kafka    stop-kafka + start-kafka
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"

CACHE_DIR="$HERE/.cache"
STATE_DIR="$HERE/.state"
KAFKA_POM="$HERE/kafka/pom.xml"
KAFKA_LOG4J="$HERE/kafka/log4j2.properties"
KAFKA_READY="$HERE/kafka-ready.mjs"
KAFKA_LIBS="$CACHE_DIR/kafka-libs"
KAFKA_STATE="$STATE_DIR/kafka"
KAFKA_DATA="$KAFKA_STATE/data"
KAFKA_PROPS="$KAFKA_STATE/server.properties"
KAFKA_PIDFILE="$KAFKA_STATE/kafka.pid"
KAFKA_LOG="$KAFKA_STATE/kafka.log"
KAFKA_OUT="$KAFKA_STATE/kafka.out"
MAVEN_LOG="$CACHE_DIR/maven.log"
ENDPOINTS_JSON="$STATE_DIR/endpoints.json"
ENDPOINTS_ENV="$STATE_DIR/endpoints.env"
LOCK_FILE="$STATE_DIR/infra.lock"

KAFKA_HOST=127.0.0.1
KAFKA_PORT="${MAISON_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${MAISON_KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_READY_TIMEOUT="${MAISON_KAFKA_READY_TIMEOUT:-90}"
KAFKA_STOP_TIMEOUT="${MAISON_KAFKA_STOP_TIMEOUT:-30}"
KAFKA_HEAP_OPTS="${MAISON_KAFKA_HEAP_OPTS:--Xmx512m -Xms256m}"
KAFKA_BROKERS="$KAFKA_HOST:$KAFKA_PORT"

DEFAULT_DATABASE_URL="postgres://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS_URL="redis://127.0.0.1:6379"

# ---------------------------------------------------------------------------------------------
# helpers

log() { printf '[infra] %s\n' "$*"; }
warn() { printf '[infra] WARNING: %s\n' "$*" >&2; }
die() {
  printf '[infra] ERROR: %s\n' "$*" >&2
  exit 1
}

now_ms() { date +%s%3N; }
elapsed_since() { # <start-ms> -> "12.3s"
  local ms=$(($(now_ms) - $1))
  printf '%d.%ds' $((ms / 1000)) $(((ms % 1000) / 100))
}

usage() {
  sed -n '/^# Usage:/,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'
}

check_port_var() { # <name> <value>
  [[ "$2" =~ ^[0-9]+$ ]] && [ "$2" -ge 1 ] && [ "$2" -le 65535 ] || die "$1 must be a TCP port number, got '$2'"
}

# True when something accepts TCP connections on host:port (1 s timeout).
tcp_open() { # <host> <port>
  timeout 1 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null
}

# Prints "host port" for a URL such as postgres://user@host:5432/db or redis://:pw@[::1]:6379/0.
url_host_port() { # <url> <default-port>
  local rest="${1#*://}"
  rest="${rest%%/*}"
  rest="${rest%%\?*}"
  rest="${rest##*@}"
  local host port
  if [[ "$rest" =~ ^\[([^]]+)\](:([0-9]+))?$ ]]; then
    host="${BASH_REMATCH[1]}" port="${BASH_REMATCH[3]}"
  else
    host="${rest%%:*}" port=""
    [[ "$rest" == *:* ]] && port="${rest##*:}"
  fi
  printf '%s %s\n' "${host:-127.0.0.1}" "${port:-$2}"
}

# Polls "<fn> <args...>" every 0.5 s until it succeeds or <timeout-s> passes.
wait_until() { # <timeout-s> <fn> <args...>
  local deadline=$(($(date +%s) + $1))
  shift
  until "$@"; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.5
  done
}

ensure_node() {
  # The repo's helper puts Node >= 22 first on PATH (provisioning it into .tools/ if needed).
  if [ -f "$ROOT/scripts/node-env.sh" ]; then
    # shellcheck source=../../scripts/node-env.sh
    source "$ROOT/scripts/node-env.sh" || die "could not provision Node (scripts/node-env.sh)"
  fi
  command -v node >/dev/null 2>&1 || die "node not found on PATH"
}

ensure_java() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    JAVA="$JAVA_HOME/bin/java"
  else
    JAVA="$(command -v java || true)"
  fi
  [ -n "$JAVA" ] || die "java not found (Kafka 4.1 needs Java 17+); install a JDK/JRE 17 or set JAVA_HOME"
  local line major
  line="$("$JAVA" -version 2>&1 | head -n 1)"
  major="$(sed -E 's/.*version "([0-9]+)(\.([0-9]+))?.*/\1/' <<<"$line")"
  [[ "$major" =~ ^[0-9]+$ ]] && [ "$major" -ge 17 ] || die "Kafka 4.1 needs Java 17+, but $JAVA reports: $line"
}

take_lock() {
  mkdir -p "$STATE_DIR"
  exec 9>"$LOCK_FILE"
  if ! flock -n 9; then
    log "another infra.sh command is running; waiting for it (up to 180 s) ..."
    flock -w 180 9 || die "timed out waiting for $LOCK_FILE"
  fi
}

# ---------------------------------------------------------------------------------------------
# Kafka

# Prints the PID of our broker (the java process running kafka.Kafka with our server.properties).
kafka_pid() {
  local pid cmd
  if [ -f "$KAFKA_PIDFILE" ]; then
    pid="$(cat "$KAFKA_PIDFILE" 2>/dev/null || true)"
    if [[ "$pid" =~ ^[0-9]+$ ]] && [ -r "/proc/$pid/cmdline" ]; then
      cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
      if [[ "$cmd" == *"kafka.Kafka $KAFKA_PROPS"* ]]; then
        printf '%s\n' "$pid"
        return 0
      fi
    fi
  fi
  # Pid file missing or stale: look for an orphan started from this checkout.
  for cmd in /proc/[0-9]*/cmdline; do
    pid="${cmd#/proc/}"
    pid="${pid%/cmdline}"
    if [[ "$(tr '\0' ' ' <"$cmd" 2>/dev/null || true)" == *"kafka.Kafka $KAFKA_PROPS"* ]]; then
      printf '%s\n' "$pid" >"$KAFKA_PIDFILE" 2>/dev/null || true
      printf '%s\n' "$pid"
      return 0
    fi
  done
  return 1
}

pid_alive() { [ -e "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }

port_owner_pid() { # <port> -> PID of the process listening on it, if ss can tell
  ss -Hltnp "sport = :$1" 2>/dev/null | grep -oE 'pid=[0-9]+' | head -n 1 | cut -d= -f2
}

who_listens() { # <port> -> description of the listener, if ss can tell
  ss -Hltnp "sport = :$1" 2>/dev/null | sed -E 's/.*users:\(\((.*)\)\).*/\1/' | head -n 1
}

kafka_properties() {
  cat <<EOF
# Generated by infra/local/infra.sh on every start; edit the script, not this file.
# Single-node KRaft: this process is both broker and controller. Listens on 127.0.0.1 only.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT,CONTROLLER://$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER

log.dirs=$KAFKA_DATA

# One broker: every internal topic must have replication factor 1.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
default.replication.factor=1
min.insync.replicas=1

# Tests create their topics explicitly; auto-creation is kept on for convenience.
auto.create.topics.enable=true
num.partitions=3
delete.topic.enable=true

# Consumer groups start at once instead of waiting 3 s for more members.
group.initial.rebalance.delay.ms=0

# After a crash (kill-kafka) the restarted broker can only register once the controller has
# expired the previous incarnation's session: 5 s instead of the default 9 s.
broker.session.timeout.ms=5000
broker.heartbeat.interval.ms=1000
EOF
}

# Downloads the broker's jars once per version of kafka/pom.xml into .cache/kafka-libs.
ensure_kafka_libs() {
  local want have=""
  want="$(sha256sum "$KAFKA_POM" | cut -d' ' -f1)"
  [ -f "$KAFKA_LIBS/.pom.sha256" ] && have="$(cat "$KAFKA_LIBS/.pom.sha256")"
  if [ "$have" = "$want" ] && compgen -G "$KAFKA_LIBS/kafka_2.13-*.jar" >/dev/null; then
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || die "mvn (Maven 3.6.3+) not found; it fetches Kafka's jars from Maven Central"
  local started tmp
  started="$(now_ms)"
  tmp="$CACHE_DIR/kafka-libs.tmp.$$"
  mkdir -p "$CACHE_DIR"
  rm -rf "$tmp"
  log "fetching Kafka jars from Maven Central (once per version of infra/local/kafka/pom.xml) ..."
  if ! (cd "$HERE/kafka" && mvn -B -q -Dstyle.color=never -f "$KAFKA_POM" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp") \
    </dev/null >"$MAVEN_LOG" 2>&1 9>&-; then
    tail -n 40 "$MAVEN_LOG" >&2 || true
    rm -rf "$tmp"
    die "maven could not fetch Kafka's jars (full output: $MAVEN_LOG)"
  fi
  compgen -G "$tmp/kafka_2.13-*.jar" >/dev/null || die "maven ran but $tmp has no kafka_2.13 jar (see $MAVEN_LOG)"
  printf '%s\n' "$want" >"$tmp/.pom.sha256"
  rm -rf "$KAFKA_LIBS"
  mv "$tmp" "$KAFKA_LIBS"
  log "Kafka jars ready in $KAFKA_LIBS ($(find "$KAFKA_LIBS" -name '*.jar' | wc -l) jars, $(elapsed_since "$started"))"
}

# Prints a random Kafka cluster id: 16 random bytes, URL-safe base64 without padding, not
# starting with '-' (Kafka's own Uuid.randomUuid avoids those too: they look like CLI flags).
random_cluster_id() {
  local id
  while :; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    [[ "$id" == -* || "$id" == AAAAAAAAAAAAAAAAAAAAA* ]] || break
  done
  printf '%s\n' "$id"
}

kafka_java_opts() {
  # shellcheck disable=SC2206 # word splitting of the heap options is intended
  JAVA_OPTS=($KAFKA_HEAP_OPTS -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true
    "-Dlog4j2.configurationFile=$KAFKA_LOG4J" "-Dkafka.logs.dir=$KAFKA_STATE")
}

ensure_kafka_formatted() {
  [ -f "$KAFKA_DATA/meta.properties" ] && return 0
  local cid out
  cid="$(random_cluster_id)"
  mkdir -p "$KAFKA_DATA"
  log "formatting Kafka storage in $KAFKA_DATA (cluster id $cid) ..."
  kafka_java_opts
  if ! out="$("$JAVA" "${JAVA_OPTS[@]}" -cp "$KAFKA_LIBS/*" kafka.tools.StorageTool \
    format -t "$cid" -c "$KAFKA_PROPS" </dev/null 2>&1 9>&-)"; then
    printf '%s\n' "$out" >&2
    die "kafka.tools.StorageTool format failed"
  fi
  [ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/[infra]   /'
  return 0
}

# Waits for the broker to answer a kafkajs admin describeCluster(); tails its log if it dies.
wait_kafka_ready() { # <timeout-s> [pid]
  local args=(--brokers "$KAFKA_BROKERS" --timeout "$1" --log "$KAFKA_LOG" --log "$KAFKA_OUT")
  [ -n "${2:-}" ] && args+=(--pid "$2")
  local attempt rc=0
  for attempt in 1 2 3; do
    rc=0
    node --disable-warning=TimeoutNegativeWarning "$KAFKA_READY" "${args[@]}" 9>&- || rc=$?
    # 0 ready, 1 timed out, 2 broker died. Anything else means node itself failed (e.g. a
    # package.json being edited at that very moment): try again.
    case "$rc" in 0 | 1 | 2) return "$rc" ;; esac
    warn "kafka-ready.mjs failed to run (exit $rc, attempt $attempt of 3)"
    sleep 2
  done
  return "$rc"
}

start_kafka() {
  local pid started
  started="$(now_ms)"
  mkdir -p "$KAFKA_STATE"
  local props
  props="$(kafka_properties)"

  pid="$(kafka_pid)" || pid=""
  if [ -n "$pid" ] && [ "$props" = "$(cat "$KAFKA_PROPS" 2>/dev/null || true)" ]; then
    if wait_kafka_ready "$KAFKA_READY_TIMEOUT" "$pid"; then
      log "kafka already running (pid $pid) at $KAFKA_BROKERS"
      return 0
    fi
    die "kafka (pid $pid) is running but not answering at $KAFKA_BROKERS; see $KAFKA_LOG, or run: bash infra/local/infra.sh restart-kafka"
  fi

  local port owner
  for port in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
    if tcp_open "$KAFKA_HOST" "$port"; then
      owner="$(port_owner_pid "$port")"
      if [ -z "$pid" ] || [ "$owner" != "$pid" ]; then
        die "$KAFKA_HOST:$port is already in use by another process ($(who_listens "$port")); stop it or set MAISON_KAFKA_PORT / MAISON_KAFKA_CONTROLLER_PORT"
      fi
    fi
  done

  if [ -n "$pid" ]; then
    log "the generated server.properties differs from the running broker's (ports or settings changed); restarting kafka"
    stop_kafka TERM
  fi

  ensure_java
  ensure_kafka_libs
  printf '%s\n' "$props" >"$KAFKA_PROPS"
  ensure_kafka_formatted

  kafka_java_opts
  # Marker lines: kafka-ready.mjs only shows what was logged after them when the broker fails.
  local marker
  marker="===== $(date -Is) starting kafka.Kafka $KAFKA_PROPS ====="
  printf '%s\n' "$marker" >>"$KAFKA_OUT"
  printf '%s\n' "$marker" >>"$KAFKA_LOG"
  rm -f "$KAFKA_PIDFILE"
  # setsid: own session, so the broker survives this shell, the npm script and the terminal.
  # The inner bash writes its own PID and then execs java, so the pid file holds java's PID.
  # fd 9 (the infra.sh lock) is closed so the broker does not keep holding the lock.
  (cd "$KAFKA_STATE" && exec setsid nohup bash -c 'printf "%s\n" "$$" >"$0"; exec "$@"' \
    "$KAFKA_PIDFILE" "$JAVA" "${JAVA_OPTS[@]}" -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_PROPS") \
    </dev/null >>"$KAFKA_OUT" 2>&1 9>&- &
  local i
  for i in $(seq 1 50); do
    [ -s "$KAFKA_PIDFILE" ] && break
    sleep 0.1
  done
  pid="$(cat "$KAFKA_PIDFILE" 2>/dev/null || true)"
  [ -n "$pid" ] || die "kafka did not start (see $KAFKA_OUT)"
  log "kafka starting (pid $pid), waiting up to ${KAFKA_READY_TIMEOUT}s for $KAFKA_BROKERS ..."
  if ! wait_kafka_ready "$KAFKA_READY_TIMEOUT" "$pid"; then
    if pid_alive "$pid"; then
      die "kafka (pid $pid) is still not ready; it was left running: see $KAFKA_LOG, or stop it with: bash infra/local/infra.sh stop-kafka"
    fi
    rm -f "$KAFKA_PIDFILE"
    die "kafka exited during startup (logs: $KAFKA_LOG and $KAFKA_OUT)"
  fi
  log "kafka up at $KAFKA_BROKERS (pid $pid, $(elapsed_since "$started") incl. JVM start)"
}

stop_kafka() { # TERM|KILL
  local signal="${1:-TERM}" pid started
  if ! pid="$(kafka_pid)"; then
    rm -f "$KAFKA_PIDFILE"
    log "kafka is not running"
    return 0
  fi
  started="$(now_ms)"
  if [ "$signal" = KILL ]; then
    log "killing kafka (pid $pid) with SIGKILL ..."
    kill -KILL "$pid" 2>/dev/null || true
  else
    log "stopping kafka (pid $pid) with SIGTERM, up to ${KAFKA_STOP_TIMEOUT}s ..."
    kill -TERM "$pid" 2>/dev/null || true
    if ! wait_until "$KAFKA_STOP_TIMEOUT" bash -c '! [ -e "/proc/$0" ] || grep -q "^State:.*Z" "/proc/$0/status"' "$pid"; then
      warn "kafka (pid $pid) did not stop within ${KAFKA_STOP_TIMEOUT}s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  wait_until 10 bash -c '! [ -e "/proc/$0" ] || grep -q "^State:.*Z" "/proc/$0/status"' "$pid" ||
    die "kafka (pid $pid) is still alive after SIGKILL"
  rm -f "$KAFKA_PIDFILE"
  log "kafka stopped ($(elapsed_since "$started"))"
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL and Redis (the machine's shared servers: checked and started, never stopped here)

pg_ready() { # <url>
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -t 2 -d "$1" >/dev/null 2>&1
  else
    # shellcheck disable=SC2046
    tcp_open $(url_host_port "$1" 5432)
  fi
}

redis_ready() { # <url>
  if command -v redis-cli >/dev/null 2>&1; then
    [ "$(timeout 3 redis-cli --no-auth-warning -u "$1" ping 2>/dev/null)" = PONG ]
  else
    # shellcheck disable=SC2046
    tcp_open $(url_host_port "$1" 6379)
  fi
}

ensure_postgres() {
  if [ -n "${DATABASE_URL:-}" ]; then
    DB_URL="$DATABASE_URL"
    pg_ready "$DB_URL" || die "DATABASE_URL is set but PostgreSQL there is not reachable: $DB_URL"
    log "postgresql reachable (DATABASE_URL from the environment)"
  else
    DB_URL="$DEFAULT_DATABASE_URL"
    if ! pg_ready "$DB_URL"; then
      [ -d /etc/postgresql ] && command -v pg_ctlcluster >/dev/null 2>&1 ||
        die "PostgreSQL is not reachable at 127.0.0.1:5432 and no local cluster is installed (set DATABASE_URL)"
      log "postgresql not reachable at 127.0.0.1:5432; starting the machine's cluster ..."
      # shellcheck disable=SC2046
      pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start </dev/null 9>&- ||
        die "pg_ctlcluster could not start PostgreSQL (logs: /var/log/postgresql/)"
      wait_until 30 pg_ready "$DB_URL" || die "PostgreSQL did not become ready within 30 s (logs: /var/log/postgresql/)"
    fi
    log "postgresql ready at $DB_URL"
  fi
  if command -v psql >/dev/null 2>&1; then
    local err
    if ! err="$(PGCONNECT_TIMEOUT=5 psql "$DB_URL" -XAtqc 'select 1' 2>&1 >/dev/null </dev/null)"; then
      warn "PostgreSQL answers but a query on $DB_URL failed: $err"
    fi
  fi
}

ensure_redis() {
  if [ -n "${REDIS_URL:-}" ]; then
    RD_URL="$REDIS_URL"
    redis_ready "$RD_URL" || die "REDIS_URL is set but Redis there is not reachable: $RD_URL"
    log "redis reachable (REDIS_URL from the environment)"
  else
    RD_URL="$DEFAULT_REDIS_URL"
    if ! redis_ready "$RD_URL"; then
      command -v redis-server >/dev/null 2>&1 ||
        die "Redis is not reachable at 127.0.0.1:6379 and redis-server is not installed (set REDIS_URL)"
      log "redis not reachable at 127.0.0.1:6379; starting redis-server ..."
      mkdir -p /var/lib/redis /var/log/redis
      redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
        --dir /var/lib/redis --logfile /var/log/redis/ci.log </dev/null 9>&- ||
        die "redis-server could not start (log: /var/log/redis/ci.log)"
      wait_until 15 redis_ready "$RD_URL" || die "Redis did not become ready within 15 s (log: /var/log/redis/ci.log)"
    fi
    log "redis ready at $RD_URL"
  fi
}

# ---------------------------------------------------------------------------------------------
# endpoints files

sh_quote() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

write_endpoints() {
  local tmp="$ENDPOINTS_JSON.tmp.$$"
  node -e '
    const [brokers, databaseUrl, redisUrl] = process.argv.slice(1);
    const kafkaBrokers = brokers.split(",").filter(Boolean);
    process.stdout.write(JSON.stringify({ kafkaBrokers, databaseUrl, redisUrl }, null, 2) + "\n");
  ' "$KAFKA_BROKERS" "$DB_URL" "$RD_URL" >"$tmp"
  mv "$tmp" "$ENDPOINTS_JSON"
  {
    echo "# Written by infra/local/infra.sh up; load with: source infra/local/.state/endpoints.env"
    echo "export KAFKA_BROKERS=$(sh_quote "$KAFKA_BROKERS")"
    echo "export DATABASE_URL=$(sh_quote "$DB_URL")"
    echo "export REDIS_URL=$(sh_quote "$RD_URL")"
  } >"$ENDPOINTS_ENV.tmp.$$"
  mv "$ENDPOINTS_ENV.tmp.$$" "$ENDPOINTS_ENV"
  log "wrote $ENDPOINTS_JSON and endpoints.env"
}

# Reads a string field of endpoints.json (empty when the file or field is absent).
endpoint_field() { # <field>
  [ -f "$ENDPOINTS_JSON" ] || return 0
  node -e '
    try {
      const v = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))[process.argv[2]];
      if (typeof v === "string") process.stdout.write(v);
    } catch {}
  ' "$ENDPOINTS_JSON" "$1" 2>/dev/null || true
}

# ---------------------------------------------------------------------------------------------
# commands

cmd_up() {
  local started
  started="$(now_ms)"
  ensure_node
  take_lock
  ensure_postgres
  ensure_redis
  start_kafka
  write_endpoints
  log "all up in $(elapsed_since "$started"): kafka $KAFKA_BROKERS, postgresql $DB_URL, redis $RD_URL"
}

cmd_down() {
  local purge=false arg
  for arg in "$@"; do
    case "$arg" in
      --purge) purge=true ;;
      *) die "unknown option for down: $arg (only --purge)" ;;
    esac
  done
  take_lock
  stop_kafka TERM
  rm -f "$ENDPOINTS_JSON" "$ENDPOINTS_ENV"
  if $purge; then
    rm -rf "$KAFKA_DATA"
    log "purged Kafka data ($KAFKA_DATA)"
  fi
  log "down (PostgreSQL and Redis are the machine's shared servers and were left running)"
}

cmd_status() {
  ensure_node
  local rc=0 pid db rd
  if pid="$(kafka_pid)"; then
    if node --disable-warning=TimeoutNegativeWarning "$KAFKA_READY" --brokers "$KAFKA_BROKERS" --timeout 5 --pid "$pid" --quiet >/dev/null 2>&1; then
      printf 'kafka       up    %s (pid %s, data %s)\n' "$KAFKA_BROKERS" "$pid" "$KAFKA_DATA"
    else
      printf 'kafka       down  %s (pid %s is running but not answering; see %s)\n' "$KAFKA_BROKERS" "$pid" "$KAFKA_LOG"
      rc=1
    fi
  elif tcp_open "$KAFKA_HOST" "$KAFKA_PORT"; then
    printf 'kafka       down  %s (not started by infra.sh; the port is used by %s)\n' "$KAFKA_BROKERS" "$(who_listens "$KAFKA_PORT")"
    rc=1
  else
    printf 'kafka       down  %s\n' "$KAFKA_BROKERS"
    rc=1
  fi

  db="${DATABASE_URL:-$(endpoint_field databaseUrl)}"
  db="${db:-$DEFAULT_DATABASE_URL}"
  if pg_ready "$db"; then printf 'postgresql  up    %s\n' "$db"; else
    printf 'postgresql  down  %s\n' "$db"
    rc=1
  fi

  rd="${REDIS_URL:-$(endpoint_field redisUrl)}"
  rd="${rd:-$DEFAULT_REDIS_URL}"
  if redis_ready "$rd"; then printf 'redis       up    %s\n' "$rd"; else
    printf 'redis       down  %s\n' "$rd"
    rc=1
  fi
  return "$rc"
}

main() {
  check_port_var MAISON_KAFKA_PORT "$KAFKA_PORT"
  check_port_var MAISON_KAFKA_CONTROLLER_PORT "$KAFKA_CONTROLLER_PORT"
  [ "$KAFKA_PORT" != "$KAFKA_CONTROLLER_PORT" ] || die "MAISON_KAFKA_PORT and MAISON_KAFKA_CONTROLLER_PORT must differ"
  local cmd="${1:-}"
  [ $# -gt 0 ] && shift
  case "$cmd" in
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    status) cmd_status "$@" ;;
    start-kafka)
      ensure_node
      take_lock
      start_kafka
      ;;
    stop-kafka)
      take_lock
      stop_kafka TERM
      ;;
    kill-kafka)
      take_lock
      stop_kafka KILL
      ;;
    restart-kafka)
      ensure_node
      take_lock
      stop_kafka TERM
      start_kafka
      ;;
    -h | --help | help)
      usage
      ;;
    *)
      usage >&2
      exit 2
      ;;
  esac
}

main "$@"
