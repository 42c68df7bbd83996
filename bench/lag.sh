#!/usr/bin/env bash
# Real-time lag at the simulator's live rate: `fcindex serve` follows a
# simulated Snapchain hub producing RATE events/s in 1 s blocks; every 100 ms
# we compare each shard's newest block on the hub with the block of the
# stored cursor. Lag in blocks = hub head - cursor block (1 block = 1 s here).
# Usage: bench/lag.sh [events_per_sec] [seconds]
. "$(dirname "$0")/lib.sh"
RATE="${1:-1000}"
SECS="${2:-30}"
bench_services
DB="${DATABASE_URL%/*}/bench_lag"
psql "$ADMIN" -qc "DROP DATABASE IF EXISTS bench_lag" -c "CREATE DATABASE bench_lag" 2>/dev/null
"$ROOT/build/hubsim" --port 0 --fids 10000 --events-per-sec "$RATE" --tick-ms 1000 > "$WORK/sim.log" &
bench_track $!
PORT="$(wait_port "$WORK/sim.log")"
export DATABASE_URL="$DB" REDIS_URL= FCINDEX_HUBS_URLS="http://127.0.0.1:$PORT" FCINDEX_LOG_LEVEL=warn
export FCINDEX_STRATEGY_ROOT_TARGETS="$(seq -s, 1 100 10000)" FCINDEX_API_LISTEN=127.0.0.1:0
"$ROOT/build/fcindex" migrate >/dev/null
"$ROOT/build/fcindex" serve --role=indexer > "$WORK/serve.log" 2>&1 &
bench_track $!
sleep 5 # the first backfill of the roots
sample_lag "$PORT" "$DB" "$SECS" "lag at the live rate"
echo "events applied: $(psql "$DB" -Atc "SELECT count(*) FROM casts") casts, $(psql "$DB" -Atc "SELECT count(*) FROM reactions") reactions in the database"
