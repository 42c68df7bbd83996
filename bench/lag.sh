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
python3 - "$PORT" "$DB" "$SECS" <<'PY'
import json, subprocess, sys, time, urllib.request
port, db, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
lags = []
end = time.time() + secs
while time.time() < end:
    info = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/info"))
    heads = {s["shardId"]: s["maxHeight"] for s in info["shardInfos"]}
    rows = subprocess.run(["psql", db, "-Atc", "SELECT shard, event_id FROM hub_cursors"],
                          capture_output=True, text=True).stdout.split()
    for row in rows:
        shard, eid = map(int, row.split("|"))
        if shard in heads:
            lags.append(max(0, heads[shard] - (eid >> 14)))
    time.sleep(0.1)
lags.sort()
if not lags:
    sys.exit("no cursor samples")
p = lambda q: lags[min(len(lags) - 1, int(q * len(lags)))]
print(f"lag at {sys.argv[0] and ''}live rate: {len(lags)} samples, blocks behind the hub head "
      f"(1 block = 1 s): median {p(0.5)}, p99 {p(0.99)}, max {lags[-1]}")
PY
echo "events applied: $(psql "$DB" -Atc "SELECT count(*) FROM casts") casts, $(psql "$DB" -Atc "SELECT count(*) FROM reactions") reactions in the database"
