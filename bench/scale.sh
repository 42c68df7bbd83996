#!/usr/bin/env bash
# Scale run (not in CI): one `fcindex serve` (no Redis) indexes a simulated
# 1,000,000-account Snapchain network that produces RATE live events/s in 1 s
# blocks, with TARGETS roots spread evenly over the accounts (expansion depth
# 0, so exactly TARGETS targets). It reports:
#  - backfill: seconds until every target is synced, messages stored, messages/s;
#  - realtime lag once backfilled, sampled every 100 ms for LAG_SECS seconds:
#    blocks behind the hub head (1 block = 1 s), median, p99 and max;
#  - the largest RSS seen (sampled each second) of fcindex, the simulator and
#    the largest PostgreSQL process, and PostgreSQL's sum;
#  - the database's size per million messages stored.
# Usage: bench/scale.sh [targets] [lag_seconds] [events_per_sec] [accounts]
. "$(dirname "$0")/lib.sh"
TARGETS="${1:-100000}"
LAG_SECS="${2:-120}"
RATE="${3:-1000}"
FIDS="${4:-1000000}"
bench_services
DB="${DATABASE_URL%/*}/bench_scale"
psql "$ADMIN" -qc "DROP DATABASE IF EXISTS bench_scale" -c "CREATE DATABASE bench_scale" 2>/dev/null
"$ROOT/build/hubsim" --port 0 --fids "$FIDS" --events-per-sec "$RATE" --tick-ms 1000 \
    > "$WORK/sim.log" &
SIM=$!
bench_track $SIM
PORT="$(wait_port "$WORK/sim.log")"
export DATABASE_URL="$DB" REDIS_URL= FCINDEX_HUBS_URLS="http://127.0.0.1:$PORT"
export FCINDEX_LOG_LEVEL=warn FCINDEX_API_LISTEN=127.0.0.1:0 FCINDEX_STRATEGY_EXPANSION_DEPTH=0
"$ROOT/build/fcindex" migrate >/dev/null
# The roots as an operator's additions (100,000 fids are too long for
# strategy.root_targets in one environment variable): every (FIDS/TARGETS)th.
psql "$DB" -qc "INSERT INTO targets (fid, is_root, source, depth)
  SELECT g, true, 'admin', 0 FROM generate_series(1, $FIDS, $(( FIDS / TARGETS ))) g LIMIT $TARGETS"
"$ROOT/build/fcindex" serve --role=indexer > "$WORK/serve.log" 2>&1 &
FC=$!
bench_track $FC

# RSS in MB of each process, every second, until told to stop.
rss() { awk '/^VmRSS/ {print int($2 / 1024)}' "/proc/$1/status" 2>/dev/null || echo 0; }
(
  while [ ! -e "$WORK/stop-rss" ]; do
    pg=$(for p in $(pgrep -x postgres); do rss "$p"; done | sort -n)
    echo "$(rss $FC) $(rss $SIM) $(echo "$pg" | tail -1) $(echo "$pg" | paste -sd+ | bc)"
    sleep 1
  done
) > "$WORK/rss.txt" &
RSS_LOOP=$!

T0=$(date +%s)
while :; do
  left=$(psql "$DB" -Atc "SELECT count(*) FROM targets WHERE last_synced_at IS NULL")
  [ "$left" = 0 ] && break
  kill -0 $FC 2>/dev/null || { echo "fcindex serve stopped:" >&2; tail "$WORK/serve.log" >&2; exit 1; }
  sleep 2
done
BF_S=$(( $(date +%s) - T0 ))
COUNTS="SELECT (SELECT count(*) FROM casts) + (SELECT count(*) FROM reactions) +
  (SELECT count(*) FROM links) + (SELECT count(*) FROM verifications) +
  (SELECT count(*) FROM user_data) + (SELECT count(*) FROM username_proofs) +
  (SELECT count(*) FROM onchain_events)"
MSGS=$(psql "$DB" -Atc "$COUNTS")
echo "backfill: $TARGETS targets of $FIDS accounts synced in $BF_S s; $MSGS messages stored" \
     "(while the stream ran at $RATE events/s) = $(( MSGS / (BF_S + 1) )) messages/s"

sample_lag "$PORT" "$DB" "$LAG_SECS" "realtime lag after the backfill"
touch "$WORK/stop-rss"
wait $RSS_LOOP
awk 'BEGIN {f = s = p = t = 0}
     {if ($1 > f) f = $1; if ($2 > s) s = $2; if ($3 > p) p = $3; if ($4 > t) t = $4}
     END {printf "largest RSS: fcindex serve %d MB, hubsim %d MB, one PostgreSQL process %d MB" \
          " (their sum, shared memory counted in each: %d MB)\n", f, s, p, t}' "$WORK/rss.txt"
MSGS=$(psql "$DB" -Atc "$COUNTS")
SIZE=$(psql "$DB" -Atc "SELECT pg_database_size(current_database())")
echo "database: $(( SIZE / 1048576 )) MB for $MSGS messages =" \
     "$(( SIZE * 1000000 / (MSGS + 1) / 1048576 )) MB per million messages"
kill $FC 2>/dev/null || true
psql "$ADMIN" -qc "DROP DATABASE IF EXISTS bench_scale" 2>/dev/null || true
