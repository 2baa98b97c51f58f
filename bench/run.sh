#!/usr/bin/env bash
# Benchmark: generates its media, runs raw ffmpeg and the full pipeline on the same files in the same
# run, and prints a table. Starts its own pipeline with ./run.sh (ports 18080-18083) and stops it after.
#   bench/run.sh            # 10-minute 720p video, 10 s clip, 1 GiB upload
#   BENCH_MINUTES=2 BENCH_UPLOAD_MB=256 bench/run.sh   # quicker
# The pipeline runs twice: with 1 converter worker (throughput only), then with 2 (everything).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=${BENCH_DIR:-$ROOT/.run/bench}
MINUTES=${BENCH_MINUTES:-10}
UPLOAD_MB=${BENCH_UPLOAD_MB:-1024}
mkdir -p "$OUT"

# ffmpeg: the converter's own (JAVE2's bundled 4.4.1), so both sides run the same binary.
FFMPEG=${FFMPEG_PATH:-$OUT/ffmpeg}
if [ ! -x "$FFMPEG" ]; then
  nativebin() { find ~/.m2/repository/ws/schild/jave-nativebin-linux64 -name '*.jar' 2>/dev/null | head -1; }
  jar=$(nativebin || true) # none yet on a fresh machine: the build below fetches it
  [ -n "$jar" ] || { ./mvnw -B -q -pl converter-service -am package -DskipTests; jar=$(nativebin); }
  unzip -p "$jar" ws/schild/jave/nativebin/ffmpeg-amd64 > "$FFMPEG" && chmod +x "$FFMPEG"
fi

media() { # name seconds size [video bitrate]
  local args=(-f lavfi -i "testsrc2=size=$3:rate=30:duration=$2"
    -f lavfi -i "anoisesrc=color=pink:amplitude=0.3:duration=$2" -f lavfi -i "sine=frequency=440:duration=$2"
    -filter_complex "[1:a][2:a]amix=inputs=2:duration=first[a]" -map 0:v -map "[a]"
    -c:v libx264 -preset ultrafast -b:v "${4:-2M}" -c:a aac -b:a 160k)
  # Kept until its recipe (stored next to it) changes, not regenerated whenever this script is edited.
  [ -f "$OUT/$1" ] && [ "$(cat "$OUT/$1.recipe" 2>/dev/null)" = "${args[*]}" ] && return
  echo "generating $1 ($2 s, $3)..." >&2
  "$FFMPEG" -hide_banner -loglevel error "${args[@]}" -y "$OUT/$1"
  echo "${args[*]}" > "$OUT/$1.recipe"
}
media long.mp4 $((MINUTES * 60)) 1280x720
media clip.mp4 10 640x360
# Short clips at a low video bitrate, so the batch measures conversion work more than storage traffic.
media short.mp4 60 320x240 300k
# The same video web-optimised (index first), as sites and phones' "share" export it: streamed into
# ffmpeg while it uploads. long.mp4 keeps its index at the end: streamed once uploaded, its index read first.
[ "$OUT/long-faststart.mp4" -nt "$OUT/long.mp4" ] || "$FFMPEG" -hide_banner -loglevel error -i "$OUT/long.mp4" -c copy \
  -movflags +faststart -y "$OUT/long-faststart.mp4"

# 1. raw ffmpeg: twice now, once before each paired pipeline job below, once after; RAW is the best.
raw() { local s e; s=$(date +%s.%N); "$FFMPEG" -hide_banner -loglevel error -i "$OUT/long.mp4" -vn -c:a libmp3lame -q:a 2 -y "$OUT/raw.mp3"; e=$(date +%s.%N); echo "$e - $s" | bc; }
RAW=$(raw)
min() { echo "if ($1 < $2) $1 else $2" | bc; }
best_raw() { RAW=$(min "$(raw)" "$RAW"); }
best_raw
# The machine's own ceiling for the 2-worker speed-up: the batch's 20 clips through raw ffmpeg, one at a
# time and two at a time (interleaved, best of two each).
raw_batch() { # parallel runs
  local s; s=$(date +%s.%N)
  seq 1 20 | xargs -P "$1" -I{} "$FFMPEG" -hide_banner -loglevel error -i "$OUT/short.mp4" -vn -c:a libmp3lame -q:a 2 -y "$OUT/raw-{}.mp3"
  echo "$(date +%s.%N) - $s" | bc
}
RAW_BATCH1=$(raw_batch 1); RAW_BATCH2=$(raw_batch 2)
RAW_BATCH1=$(min "$(raw_batch 1)" "$RAW_BATCH1"); RAW_BATCH2=$(min "$(raw_batch 2)" "$RAW_BATCH2")
rm -f "$OUT"/raw-*.mp3

# 2. the pipeline (run.sh on its own ports, data and run dir), once per worker count.
export GATEWAY_PORT=18080 AUTH_PORT=18081 CONVERTER_PORT=18082 NOTIFICATION_PORT=18083
export MONGO_PORT=${MONGO_PORT:-27117} SMTP_PORT=${SMTP_PORT:-2625} RUN_DIR="$OUT/pipeline" DATA_DIR="$OUT/data"
# Its own exchange and queues on the machine's RabbitMQ, emptied before and after, so nothing a run
# leaves behind reaches another run or ./run.sh.
export RABBITMQ_EXCHANGE=bench CONVERTER_QUEUE=bench.converter.requests GATEWAY_EVENTS_QUEUE=bench.gateway.job-events \
  NOTIFICATION_QUEUE=bench.notification.job-finished
delete_queues() {
  command -v rabbitmqctl > /dev/null || return 0
  for q in $CONVERTER_QUEUE $GATEWAY_EVENTS_QUEUE $NOTIFICATION_QUEUE; do
    rabbitmqctl -q delete_queue "$q" > /dev/null 2>&1 || true; rabbitmqctl -q delete_queue "$q.dlq" > /dev/null 2>&1 || true
  done
  for ms in 2000 4000 8000 16000 32000 60000; do # the converter's retry queues
    rabbitmqctl -q delete_queue "$CONVERTER_QUEUE.retry.${ms}ms" > /dev/null 2>&1 || true
  done
}
G=http://localhost:$GATEWAY_PORT
RUN_PID=""
stop_pipeline() { [ -n "$RUN_PID" ] && { kill $RUN_PID 2>/dev/null; wait $RUN_PID 2>/dev/null || true; }; RUN_PID=""; delete_queues; }
trap stop_pipeline EXIT
start_pipeline() { # workers
  stop_pipeline # also empties the queues
  rm -rf "$RUN_DIR" "$DATA_DIR"
  # One user's batch, all at the converters at once and all 20 uploads taken together: the figures are the workers'
  # throughput, not the fair share's or the per-user upload bound's.
  CONVERTER_WORKERS=$1 CONVERSIONS_PER_USER=1000 UPLOADS_PER_USER_AT_ONCE=20 ./run.sh > "$OUT/run-$1.log" 2>&1 &
  RUN_PID=$!
  for _ in $(seq 1 300); do [ -f "$RUN_DIR/ready" ] && break; kill -0 $RUN_PID 2>/dev/null || { cat "$OUT/run-$1.log"; exit 1; }; sleep 1; done
  TOKEN=$(curl -sf -X POST -u "${DEMO_EMAIL:-demo@mp3converter.local}:${DEMO_PASSWORD:-demo-password-1}" $G/login)
}

# A copy of an MP4 that differs from the start (a comment in its index, remuxed without re-encoding, the index
# kept where it was): other bytes, so the gateway converts it, while it is uploading, instead of answering it with
# the MP3 of an identical earlier upload (measured on its own below).
distinct() { # file -> path of a fresh copy (called in $(...), so the tag comes from the clock, not a counter)
  local tag copy flags=()
  tag=$(date +%N)
  mkdir -p "$OUT/copies"
  copy="$OUT/copies/$tag-$(basename "$1")"
  case "$1" in *faststart*) flags=(-movflags +faststart);; esac
  "$FFMPEG" -hide_banner -loglevel error -i "$1" -map 0 -c copy -metadata comment="bench copy $tag" "${flags[@]}" -y "$copy"
  echo "$copy"
}

iso() { date -d "$1" +%s.%N; }
field() { sed -n "s/.*\"$1\":\"\{0,1\}\([^\",}]*\).*/\1/p"; }
# End to end = the job's finishedAt (the gateway's clock, this machine's) minus the upload start, so the
# bench can poll rarely and leave the two cores to the pipeline.
await_done() { # jobId -> prints the job's JSON once it is DONE
  local st
  while :; do
    sleep 0.5
    st=$(curl -sf -H "Authorization: Bearer $TOKEN" $G/jobs/$1)
    case $(echo "$st" | field status) in DONE) echo "$st"; return;; FAILED) echo "job failed: $st" >&2; exit 1;; esac
  done
}
upload_and_wait() { # file -> prints "e2e_seconds converter_seconds upload_seconds upload_end_to_done_seconds jobId" (a distinct copy)
  local s job st uploaded copy
  copy=$(distinct "$1")
  s=$(date +%s.%N)
  job=$(curl -sf -X POST -F "file=@$copy" -H "Authorization: Bearer $TOKEN" $G/upload | field jobId)
  uploaded=$(date +%s.%N)
  st=$(await_done "$job")
  local started finished stored
  started=$(iso "$(echo "$st" | field startedAt)"); finished=$(iso "$(echo "$st" | field finishedAt)")
  stored=$(iso "$(echo "$st" | field uploadedAt)")
  echo "$(echo "$finished - $s" | bc) $(echo "$finished - $started" | bc) $(echo "$uploaded - $s" | bc) $(echo "$finished - $stored" | bc) $job"
}
# Long-running services are warm: before measuring, a few jobs of each kind run through the fresh
# pipeline so the JIT compilers of the JVMs (services and embedded MongoDB) have done their work. The
# very first long conversion is timed too and printed as "cold".
warm_up() {
  local i
  for i in 1 2 3; do upload_and_wait "$OUT/clip.mp4" > /dev/null; done
  upload_and_wait "$OUT/long-faststart.mp4"
}
# Converter throughput: 20 one-minute clips are uploaded at once (raw body) while the converter is paused
# (SIGSTOP: it takes nothing from the queue), then it is let go; from the first conversion started to the
# last finished, by the server's own timestamps. So the figure is the workers' throughput, not the
# gateway's upload speed competing with them. One poll loop, so the bench itself does not compete.
batch() {
  local uploads=() done=0 converter
  converter=$(cat "$RUN_DIR/converter-service.pid")
  kill -STOP "$converter"
  local copies=()
  for i in $(seq 1 20); do copies+=("$(distinct "$OUT/short.mp4")"); done
  for i in $(seq 1 20); do
    curl -sf -T "${copies[$((i - 1))]}" -H "Authorization: Bearer $TOKEN" "$G/videos/short-$i.mp4" > /dev/null & uploads+=($!)
  done
  for pid in "${uploads[@]}"; do wait "$pid" || { echo "bench: an upload of the batch failed (see $RUN_DIR)" >&2; exit 1; }; done
  kill -CONT "$converter"
  while [ "$done" -lt 20 ]; do
    sleep 1
    done=$(curl -sf -H "Authorization: Bearer $TOKEN" "$G/jobs?size=20" | grep -o '"status":"DONE"' | wc -l)
  done
  curl -sf -H "Authorization: Bearer $TOKEN" "$G/jobs?size=20" | python3 -c '
import json, sys
from datetime import datetime
jobs = json.load(sys.stdin)["jobs"]
t = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
print(max(t(j["finishedAt"]) for j in jobs) - min(t(j["startedAt"]) for j in jobs))'
}

# Throughput: the better of two batches per worker count (the first also finishes the JIT's warm-up).
start_pipeline 1
warm_up > /dev/null
BATCH1=$(min "$(batch)" "$(batch)")

start_pipeline 2
read -r E2E_COLD CONV_COLD _ < <(warm_up)
BATCH2=$(min "$(batch)" "$(batch)")
# The headline ratios come from pairs: raw ffmpeg, then at once the same video through the pipeline,
# three times; the median pair (by converter / raw) is reported with the range. This shared machine's
# speed drifts by tens of percent over minutes, so each ratio compares runs seconds apart.
pairs=()
for _ in 1 2 3; do
  sleep 1 # the previous job's email and clean-up
  r=$(raw); RAW=$(min "$r" "$RAW")
  read -r e2e conv upload tail _ < <(upload_and_wait "$OUT/long-faststart.mp4")
  pairs+=("$(echo "$conv / $r" | bc -l) $r $conv $e2e $upload $tail")
done
read -r _ PAIR_RAW CONV E2E UPLOAD_LONG TAIL_LONG < <(printf '%s\n' "${pairs[@]}" | sort -n | sed -n 2p)
range() { printf '%s\n' "${pairs[@]}" | awk "{print \$$1 / \$2}" | sort -n | sed -n '1p;$p' | xargs printf '%.2f-%.2f'; }
CONV_RANGE=$(range 3); E2E_RANGE=$(range 4)
sleep 1
RAW_COPY=$(raw); RAW=$(min "$RAW_COPY" "$RAW") # paired too
read -r E2E_COPY CONV_COPY _ COPY_TAIL _ < <(upload_and_wait "$OUT/long.mp4")
# The web-optimised video again, its upload throttled to 20 MB/s as over a fast network: the encode keeps up
# with the upload, so the MP3 should be ready moments after the last byte.
throttled=$(distinct "$OUT/long-faststart.mp4")
THROTTLED_JOB=$(curl -sf --limit-rate 20M -X POST -F "file=@$throttled" -H "Authorization: Bearer $TOKEN" $G/upload | field jobId)
THROTTLED_JSON=$(await_done "$THROTTLED_JOB")
THROTTLED_TAIL=$(echo "$(iso "$(echo "$THROTTLED_JSON" | field finishedAt)") - $(iso "$(echo "$THROTTLED_JSON" | field uploadedAt)")" | bc)
LONG_MB=$(echo "$(stat -c %s "$OUT/long-faststart.mp4") / 1048576" | bc -l)

# The last long upload again, the very same bytes and options: DONE in the upload's answer, with a copy of
# its MP3 and no ffmpeg. Server side: the job's finishedAt minus its uploadedAt (the upload's last byte stored
# and hashed); client side: the whole request, next to the same-size upload of new bytes, which answers QUEUED.
repeat=$(distinct "$OUT/long-faststart.mp4")
await_done "$(curl -sf -X POST -F "file=@$repeat" -H "Authorization: Bearer $TOKEN" $G/upload | field jobId)" > /dev/null
fresh=$(distinct "$OUT/long-faststart.mp4")
read -r NEW_UPLOAD_S NEW_JOB < <(curl -sf -w ' %{time_total}\n' -X POST -F "file=@$fresh" -H "Authorization: Bearer $TOKEN" $G/upload \
  | sed -n 's/.*"jobId":"\([^"]*\)".* \(.*\)/\2 \1/p')
REPEAT_JSON=$(curl -sf -w '\n%{time_total}' -X POST -F "file=@$repeat" -H "Authorization: Bearer $TOKEN" $G/upload)
REPEAT_S=$(echo "$REPEAT_JSON" | tail -1)
[ "$(echo "$REPEAT_JSON" | head -1 | field status)" = DONE ] || { echo "bench: the repeated upload was not DONE at once: $REPEAT_JSON" >&2; exit 1; }
await_done "$NEW_JOB" > /dev/null # its conversion would otherwise compete with the clips below
REPEAT_MS=$(echo "($(iso "$(echo "$REPEAT_JSON" | head -1 | field finishedAt)") - $(iso "$(echo "$REPEAT_JSON" | head -1 | field uploadedAt)")) * 1000" | bc -l)

# 3. a 10 s clip, five times: upload start to the email file appearing (polled every 10 ms), and where the
# median one's time went, by the services' log lines (bench/clip-hops.py).
mails() { ls "$RUN_DIR/mail" 2>/dev/null | wc -l; }
clips=()
for _ in 1 2 3 4 5; do
  clip=$(distinct "$OUT/clip.mp4")
  sleep 0.5 # the previous clip's clean-up
  before=$(mails); s=$(date +%s.%N)
  job=$(curl -sf -X POST -F "file=@$clip" -H "Authorization: Bearer $TOKEN" $G/upload | field jobId)
  while [ "$(mails)" -le "$before" ]; do sleep 0.01; done
  seen=$(date +%s.%N)
  clips+=("$(curl -sf -H "Authorization: Bearer $TOKEN" $G/jobs/$job | python3 bench/clip-hops.py "$RUN_DIR" "$job" "$s" "$seen")")
done
read -r CLIP CLIP_UPLOAD CLIP_QUEUE CLIP_FFMPEG CLIP_STORE CLIP_EVENTS CLIP_SMTP \
  < <(printf '%s\n' "${clips[@]}" | sort -n | sed -n 3p)
CLIP_RANGE=$(printf '%s\n' "${clips[@]}" | sort -n | sed -n '1p;$p' | awk '{print $1}' | xargs printf '%.2f-%.2f')

# 5. gateway peak RSS while receiving a large upload (streamed from /dev/urandom).
# The gateway's peak so far (the batches upload 20 files at once) is printed too; then the kernel's
# peak counter is reset (clear_refs), so the figure below is this upload's own.
GPID=$(cat "$RUN_DIR/gateway-service.pid")
PEAK_BEFORE_KB=$(awk '/VmHWM/ {print $2}' /proc/$GPID/status)
echo 5 > /proc/$GPID/clear_refs || echo "bench: cannot reset the gateway's peak RSS counter; the figure is its lifetime peak" >&2
s=$(date +%s.%N)
(printf '\0\0\0\030ftypisom'; head -c $((UPLOAD_MB * 1024 * 1024 - 12)) /dev/urandom) \
  | curl -sf -T - -H "Authorization: Bearer $TOKEN" "$G/videos/big.mp4" > /dev/null
UPLOAD_S=$(echo "$(date +%s.%N) - $s" | bc)
PEAK_KB=$(awk '/VmHWM/ {print $2}' /proc/$GPID/status)

# Peak resident memory of each service over its whole run (the gateway's counter was reset above, so its
# figure is the larger of the two readings).
rss_mb() { echo "$(awk '/VmHWM/ {print $2}' /proc/"$(cat "$RUN_DIR/$1.pid")"/status) / 1024" | bc -l; }
RSS_AUTH=$(rss_mb auth-service); RSS_CONVERTER=$(rss_mb converter-service); RSS_NOTIFICATION=$(rss_mb notification-service)
RSS_GATEWAY=$(echo "if ($PEAK_KB > $PEAK_BEFORE_KB) $PEAK_KB / 1024 else $PEAK_BEFORE_KB / 1024" | bc -l)

stop_pipeline
rm -rf "$OUT/copies"
best_raw

W=60
printf "\n%-${W}s %10s\n" "measure" "value"
row() { printf "%-${W}s %10.2f\n" "$1" "$2"; }
text() { printf "%-${W}s %10s\n" "$1" "$2"; }
row "raw ffmpeg, $MINUTES min 720p -> MP3 V2, best of all runs (s)" "$RAW"
row "paired run (median of 3): raw ffmpeg just before (s)" "$PAIR_RAW"
row "  converter stage, web-optimised MP4 streamed (s)" "$CONV"
row "  end to end, upload start to DONE (s)" "$E2E"
row "converter / raw ffmpeg (median pair)" "$(echo "$CONV / $PAIR_RAW" | bc -l)"
text "  range over the 3 pairs" "$CONV_RANGE"
row "end to end / raw ffmpeg (median pair)" "$(echo "$E2E / $PAIR_RAW" | bc -l)"
text "  range over the 3 pairs" "$E2E_RANGE"
row "  upload end -> DONE (converted while uploading) (s)" "$TAIL_LONG"
row "upload throttled to 20 MB/s: upload end -> DONE (s)" "$THROTTLED_TAIL"
row "index at the end (read first, streamed): converter / raw just before" "$(echo "$CONV_COPY / $RAW_COPY" | bc -l)"
row "index at the end: end to end / raw just before" "$(echo "$E2E_COPY / $RAW_COPY" | bc -l)"
row "cold (first long job of a fresh pipeline): converter / best raw" "$(echo "$CONV_COLD / $RAW" | bc -l)"
row "cold: end to end / best raw" "$(echo "$E2E_COLD / $RAW" | bc -l)"
row "10 s clip, upload start to email, median of 5 (s)" "$CLIP"
text "  range over the 5" "$CLIP_RANGE"
row "  upload (start -> last byte stored) (s)" "$CLIP_UPLOAD"
row "  queue wait (queued at the upload's head -> converter starts) (s)" "$CLIP_QUEUE"
row "  ffmpeg (runs while the upload arrives) (s)" "$CLIP_FFMPEG"
row "  storing the MP3 (s)" "$CLIP_STORE"
row "  events (MP3 stored -> notifier sends) (s)" "$CLIP_EVENTS"
row "  SMTP (s)" "$CLIP_SMTP"
row "repeated $(printf %.0f "$LONG_MB") MiB upload (same bytes, options): upload end -> DONE (ms)" "$REPEAT_MS"
row "  its whole request, DONE in the answer (s)" "$REPEAT_S"
row "  the same-size upload of new bytes, QUEUED in the answer (s)" "$NEW_UPLOAD_S"
row "20 one-minute clips, 1 worker: jobs per minute" "$(echo "20 * 60 / $BATCH1" | bc -l)"
row "20 one-minute clips, 2 workers: jobs per minute" "$(echo "20 * 60 / $BATCH2" | bc -l)"
row "2 workers / 1 worker speed-up" "$(echo "$BATCH1 / $BATCH2" | bc -l)"
row "  raw ffmpeg on the same clips, 2 at a time / 1 at a time" "$(echo "$RAW_BATCH1 / $RAW_BATCH2" | bc -l)"
row "multipart upload of the 10 min video ($(printf %.0f "$LONG_MB") MiB): MB/s" "$(echo "$LONG_MB / $UPLOAD_LONG" | bc -l)"
row "upload of $UPLOAD_MB MiB (raw body): MB/s" "$(echo "$UPLOAD_MB / $UPLOAD_S" | bc -l)"
row "peak RSS over the whole bench: gateway (MB)" "$RSS_GATEWAY"
row "  converter-service (MB)" "$RSS_CONVERTER"
row "  auth-service (MB)" "$RSS_AUTH"
row "  notification-service (MB)" "$RSS_NOTIFICATION"
row "gateway peak RSS during it (MB)" "$(echo "$PEAK_KB / 1024" | bc -l)"
row "  gateway peak RSS before it (batches: 20 uploads at once) (MB)" "$(echo "$PEAK_BEFORE_KB / 1024" | bc -l)"
