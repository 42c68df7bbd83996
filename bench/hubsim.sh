#!/usr/bin/env bash
# hubsim throughput against nginx serving the same bytes from files, in the
# same run (ratios, not absolute numbers, are what compare across machines).
# Also reports hubsim's RSS with a 1,000,000-fid network.
# Needs: nginx, wrk (scripts/deps --bench).  Usage: bench/hubsim.sh [seconds]
. "$(dirname "$0")/lib.sh"
"$ROOT/scripts/deps" --bench
SECS="${1:-5}"
BIN="$ROOT/build/hubsim"

"$BIN" --port 0 --fids 1000 --history-ticks 100 --events-per-sec 1000 --tick-ms 1000000 > "$WORK/hs.log" &
SIM=$!
bench_track $SIM
PORT="$(wait_port "$WORK/hs.log")"
# The busiest fid's first full page of casts, and a full page of events.
FID="$(for f in $(seq 1 200); do echo "$f $(curl -s "127.0.0.1:$PORT/v1/castsByFid?fid=$f&pageSize=1000" | grep -o '"hashScheme"' | wc -l)"; done | sort -k2 -n | tail -1 | cut -d' ' -f1)"
CASTS="/v1/castsByFid?fid=$FID&pageSize=1000"
EVENTS="/v1/events?shard_index=1&from_event_id=0&page_size=1000"
mkdir -p "$WORK/www"
curl -s "127.0.0.1:$PORT$CASTS" > "$WORK/www/casts.json"
curl -s "127.0.0.1:$PORT$EVENTS" > "$WORK/www/events.json"
NPORT="$(nginx_static)"

run() { # url -> "req/s MB/s"
  wrk -t2 -c8 -d"${SECS}s" "$1" 2>/dev/null | awk '/Requests\/sec/ {r=$2} /Transfer\/sec/ {t=$2} END {
    if (t ~ /GB/) {sub(/GB/,"",t); t*=1024} else if (t ~ /MB/) {sub(/MB/,"",t)} else if (t ~ /KB/) {sub(/KB/,"",t); t/=1024}
    printf "%.0f %.1f", r, t}'
}
printf "%-28s %12s %10s %12s %10s %8s\n" endpoint hubsim_pg/s hubsim_MB/s nginx_pg/s nginx_MB/s ratio
for pair in "castsByFid:$CASTS:casts.json" "events:$EVENTS:events.json"; do
  IFS=: read -r name path file <<<"$pair"
  read -r hr hm <<<"$(run "http://127.0.0.1:$PORT$path")"
  read -r nr nm <<<"$(run "http://127.0.0.1:$NPORT/$file")"
  printf "%-28s %12s %10s %12s %10s %7.0f%%\n" "$name ($(stat -c %s "$WORK/www/$file")B)" "$hr" "$hm" "$nr" "$nm" "$(echo "100*$hr/$nr" | bc -l)"
done

kill $SIM 2>/dev/null || true
T0=$(date +%s%N)
"$BIN" --port 0 --fids 1000000 > "$WORK/big.log" &
BIG=$!
bench_track $BIG
BPORT="$(wait_port "$WORK/big.log")"
echo "hubsim start-up with 1,000,000 fids: $(( ($(date +%s%N) - T0) / 1000000 )) ms"
for f in $(seq 1 997 1000000); do curl -s "127.0.0.1:$BPORT/v1/castsByFid?fid=$f" >/dev/null; done
echo "hubsim RSS with 1,000,000 fids after serving: $(( $(grep VmRSS /proc/$BIG/status | awk '{print $2}') / 1024 )) MB"
kill $BIG
