#!/usr/bin/env bash
# Runs the whole pipeline locally: builds what is missing, starts what is not running, starts the four
# services from their packaged jars, waits until they are ready, and prints the curl walk-through.
# A process that exits unexpectedly is restarted with a growing delay, as Kubernetes would (a line on the
# console and in the run log, run.log). Ctrl-C (or SIGTERM) stops everything this script started, and nothing else.
#
# Infra from the environment when given, else local:
#   MySQL/MariaDB  MYSQL_HOST/MYSQL_PORT (or AUTH_DB_URL), AUTH_DB_USER/AUTH_DB_PASSWORD; default: this
#                  machine's MariaDB on 3306 (started if installed but stopped; infra/k8s/base/mysql/init.sql applied)
#   RabbitMQ       RABBITMQ_HOST/RABBITMQ_PORT/RABBITMQ_USER/RABBITMQ_PASSWORD; default: local on 5672
#   MongoDB        MONGODB_URI; default: an embedded MongoDB-protocol server with its data in the run dir
#   SMTP           SMTP_HOST/SMTP_PORT; default: a local SMTP catcher that saves mails as .eml files
# Ports: GATEWAY_PORT 8080, AUTH_PORT 8081, CONVERTER_PORT 8082, NOTIFICATION_PORT 8083.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD

export GATEWAY_PORT=${GATEWAY_PORT:-8080} AUTH_PORT=${AUTH_PORT:-8081}
export CONVERTER_PORT=${CONVERTER_PORT:-8082} NOTIFICATION_PORT=${NOTIFICATION_PORT:-8083}
export DEMO_EMAIL=${DEMO_EMAIL:-demo@mp3converter.local} DEMO_PASSWORD=${DEMO_PASSWORD:-demo-password-1}
DATA_DIR=${DATA_DIR:-$ROOT/.run/data}
RUN_DIR=${RUN_DIR:-$ROOT/.run/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$RUN_DIR" "$DATA_DIR"

PIDS=()
INFRA_COUNT=0
stop_all() {
  trap - INT TERM EXIT
  if [ ${#PIDS[@]} -gt 0 ]; then
    echo; echo "Stopping what run.sh started..."
    # Services first (they finish or hand back their work), then the infra they were using.
    local services=("${PIDS[@]:$INFRA_COUNT}") infra=("${PIDS[@]:0:$INFRA_COUNT}")
    [ ${#services[@]} -gt 0 ] && { kill "${services[@]}" 2>/dev/null || true; wait "${services[@]}" 2>/dev/null || true; }
    [ ${#infra[@]} -gt 0 ] && { kill "${infra[@]}" 2>/dev/null || true; wait "${infra[@]}" 2>/dev/null || true; }
  fi
}
trap 'stop_all; exit 0' INT TERM
trap stop_all EXIT

log_line() { echo "$(date +%H:%M:%S) run.sh: $*" | tee -a "$RUN_DIR/run.log" >&2; }

# supervise NAME LOG COMMAND...: runs COMMAND in the background and starts it again whenever it exits, after
# 1 s doubling to 30 s (back to 1 s once it has run for a minute). SIGTERM to the supervisor stops the
# process (and waits for it) instead. $! is the supervisor; the process's own pid is in $RUN_DIR/NAME.pid.
supervise() {
  local name=$1 log=$2; shift 2
  (
    child=""
    trap '[ -n "$child" ] && kill "$child" 2>/dev/null; [ -n "$child" ] && wait "$child" 2>/dev/null; exit 0' TERM
    delay=1
    while true; do
      started=$SECONDS
      "$@" >> "$log" 2>&1 &
      child=$!
      echo "$child" > "$RUN_DIR/$name.pid"
      code=0; wait "$child" || code=$?
      child=""
      [ $((SECONDS - started)) -ge 60 ] && delay=1
      log_line "$name (pid $(cat "$RUN_DIR/$name.pid")) exited with code $code; restarting it in ${delay}s (log: $log)"
      sleep "$delay" & wait $!
      delay=$((delay * 2 > 30 ? 30 : delay * 2))
    done
  ) &
  PIDS+=($!)
}

fail() { echo "run.sh: $*" >&2; exit 1; }
# The CPU share a node's cgroups give each pod, as a nice level: CFS weighs each step down by 1.25, so a
# process runs at the step whose weight, relative to the converter's, is its k8s CPU request's. Shared
# evenly, two cores left ffmpeg half a core while an upload was arriving (docs/performance.md).
cpu_request() { sed -n 's/.*requests: {cpu: \([0-9]*\)m.*/\1/p' "infra/k8s/base/$1/$1.yaml"; }
nice_level() { # k8s component -> its nice level
  awk -v mine="$(cpu_request "$1")" -v converter="$(cpu_request converter-service)" \
    'BEGIN { n = log(converter / mine) / log(1.25); printf "%d", (n > 0 ? n + 0.5 : 0) }'
}
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

command -v java >/dev/null || fail "no java on PATH: install a JDK 17 or newer"

# 1. Build what is missing or older than its sources.
JARS=(dev-infra/target/dev-infra.jar auth-service/target/quarkus-app/quarkus-run.jar
      gateway-service/target/quarkus-app/quarkus-run.jar converter-service/target/quarkus-app/quarkus-run.jar
      notification-service/target/quarkus-app/quarkus-run.jar)
stale=""
for jar in "${JARS[@]}"; do
  if [ ! -f "$jar" ] || [ -n "$(find pom.xml */pom.xml */src/main -newer "$jar" -print -quit)" ]; then stale=yes; fi
done
if [ -n "$stale" ]; then
  echo "Building (a few minutes the first time)..."
  ./mvnw -B -q package -DskipTests || fail "build failed"
fi

# 2. MySQL and RabbitMQ: given by env, or this machine's (started if stopped).
if [ -z "${AUTH_DB_URL:-}" ] && [ -z "${MYSQL_HOST:-}" ] || [ -z "${RABBITMQ_HOST:-}" ]; then
  bin/ensure-infra.sh || fail "MariaDB/RabbitMQ are not available: install them or set MYSQL_HOST and RABBITMQ_HOST"
fi

# 3. MongoDB: given, or embedded (data kept in $DATA_DIR across runs).
if [ -z "${MONGODB_URI:-}" ]; then
  MONGO_PORT=${MONGO_PORT:-27017}
  port_open 127.0.0.1 "$MONGO_PORT" && fail "port $MONGO_PORT is taken: set MONGODB_URI to your MongoDB, or MONGO_PORT"
  # C1 only: mongo-java-server's query and aggregation code kept the C2 compiler busy for ~15 s of CPU in
  # its first minute, taken from the converter; with C1 it serves the pipeline as fast and costs a third.
  # shellcheck disable=SC2086 # MONGO_JAVA_OPTS: options split on spaces
  supervise embedded-mongodb "$RUN_DIR/mongo.log" nice -n "$(nice_level mongodb)" java -Xmx1g ${MONGO_JAVA_OPTS:--XX:TieredStopAtLevel=1} \
    -jar dev-infra/target/dev-infra.jar "$MONGO_PORT" "$DATA_DIR/mongo.mv"
  export MONGODB_URI="mongodb://127.0.0.1:$MONGO_PORT"
  for _ in $(seq 1 60); do grep -q '^ready' "$RUN_DIR/mongo.log" && break; sleep 0.5; done
  grep -q '^ready' "$RUN_DIR/mongo.log" || fail "embedded MongoDB did not start; see $RUN_DIR/mongo.log"
fi

# 4. SMTP: given, or a local catcher.
MAIL_DIR=""
if [ -z "${SMTP_HOST:-}" ]; then
  export SMTP_HOST=127.0.0.1 SMTP_PORT=${SMTP_PORT:-2525} SMTP_STARTTLS=DISABLED
  MAIL_DIR="$RUN_DIR/mail"
  port_open 127.0.0.1 "$SMTP_PORT" && fail "port $SMTP_PORT is taken: set SMTP_HOST/SMTP_PORT, or another SMTP_PORT"
  # C1 only, as the embedded MongoDB: C2 compiling its SMTP code took two thirds of its CPU while mails arrived.
  supervise smtp-catcher "$RUN_DIR/smtp.log" nice -n "$(nice_level mailpit)" java -XX:TieredStopAtLevel=1 \
    -cp dev-infra/target/dev-infra.jar com.mp3converter.devinfra.MailCatcher "$SMTP_PORT" "$MAIL_DIR"
fi

INFRA_COUNT=${#PIDS[@]}

# 5. The four services, each a JVM from its packaged jar.
export GATEWAY_PUBLIC_URL=${GATEWAY_PUBLIC_URL:-http://localhost:$GATEWAY_PORT}
export AUTH_URL=${AUTH_URL:-http://localhost:$AUTH_PORT}
export AUTH_JWKS_URL=${AUTH_JWKS_URL:-$AUTH_URL/.well-known/jwks.json}
export JWT_KEY_FILE=${JWT_KEY_FILE:-$DATA_DIR/auth-signing-key.pem}
export CONVERTER_WORK_DIR=${CONVERTER_WORK_DIR:-$RUN_DIR/converter-work}
# The one-click links' key (gateway and notifier), kept with the data so mailed links outlive a restart.
if [ -z "${DOWNLOAD_LINK_KEY:-}" ]; then
  [ -s "$DATA_DIR/download-link.key" ] || (umask 077; head -c 32 /dev/urandom | base64 > "$DATA_DIR/download-link.key")
  DOWNLOAD_LINK_KEY=$(cat "$DATA_DIR/download-link.key")
fi
export DOWNLOAD_LINK_KEY
for port in "$AUTH_PORT" "$GATEWAY_PORT" "$CONVERTER_PORT" "$NOTIFICATION_PORT"; do
  port_open 127.0.0.1 "$port" && fail "port $port is taken (another run.sh?); set the *_PORT variables"
done
jvm_options() { # service -> its JVM options, as in k8s (infra/jvm.options says why): the common ones, then its section's
  awk -v service="$1" '/^#/ || NF == 0 {next}
    /^\[/ {gsub(/[][]/, ""); section = 1; mine = 0; for (i = 1; i <= NF; i++) if ($i == service) mine = 1; next}
    !section || mine {gsub("/home/jboss/", service "/src/main/jib/home/jboss/"); printf "%s ", $0}' infra/jvm.options
}
start_service() { # name heap
  # Two malloc arenas: glibc's default (8 per core) kept ~50 MB of freed native memory resident in the
  # gateway after 20 concurrent uploads.
  # shellcheck disable=SC2046,SC2086 # the JVM options, JAVA_OPTS (extra options for the four services): split on spaces
  supervise "$1" "$RUN_DIR/$1.log" nice -n "$(nice_level "$1")" env MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}" \
    java "-Xmx$2" $(jvm_options "$1") ${JAVA_OPTS:-} -Dquarkus.profile=local -jar "$1/target/quarkus-app/quarkus-run.jar"
}
start_service auth-service "${AUTH_HEAP:-64m}"
start_service gateway-service "${GATEWAY_HEAP:-80m}"
start_service converter-service "${CONVERTER_HEAP:-128m}"
start_service notification-service "${NOTIFICATION_HEAP:-64m}"

echo "Waiting for the services (logs in $RUN_DIR)..."
for svc in auth-service:$AUTH_PORT gateway-service:$GATEWAY_PORT converter-service:$CONVERTER_PORT notification-service:$NOTIFICATION_PORT; do
  name=${svc%%:*}; port=${svc##*:}
  ready=""
  for _ in $(seq 1 120); do
    if curl -sf "http://localhost:$port/q/health/ready" > /dev/null 2>&1; then ready=yes; break; fi
    sleep 1
  done
  [ -n "$ready" ] || fail "$name is not ready after 120 s; see $RUN_DIR/$name.log"
  echo "  $name ready on :$port"
done

G=http://localhost:$GATEWAY_PORT
cat <<TXT

mp3converter is running. Open $G/ in a browser, or try it with curl (demo user $DEMO_EMAIL):

  TOKEN=\$(curl -s -X POST -u $DEMO_EMAIL:$DEMO_PASSWORD $G/login)
  curl -X POST -F 'file=@video.mp4' -H "Authorization: Bearer \$TOKEN" $G/upload
  curl -H "Authorization: Bearer \$TOKEN" $G/jobs/JOB_ID            # status: QUEUED, CONVERTING n%, DONE
  curl --output song.mp3 -H "Authorization: Bearer \$TOKEN" "$G/download?fid=MP3_ID"

Raw body instead of a form:   curl -T video.mp4 -H "Authorization: Bearer \$TOKEN" "$G/videos/video.mp4?bitrate=192"
Register another user:        curl -X POST -H 'Content-Type: application/json' -d '{"email":"me@example.com","password":"a long password"}' $G/users
TXT
[ -n "$MAIL_DIR" ] && echo "Emails are caught locally: $MAIL_DIR (one .eml file per mail; list with: tail -f $RUN_DIR/smtp.log)"
echo "Logs: $RUN_DIR    Stop: Ctrl-C"
echo "A process that dies is restarted (see $RUN_DIR/run.log)."
touch "$RUN_DIR/ready"
wait || true
