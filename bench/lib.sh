# What the bench/*.sh scripts share; sourced, never run. Sets ROOT (the
# checkout) and WORK (a scratch directory, removed on exit together with
# every process given to bench_track and the nginx of nginx_static).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$(mktemp -d)"
chmod 755 "$WORK" # nginx workers run unprivileged

bench_cleanup() {
  for p in $(cat "$WORK/pids" 2>/dev/null); do kill "$p" 2>/dev/null || true; done
  [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null
  rm -rf "$WORK"
}
trap bench_cleanup EXIT

# bench_track PID: the process is killed on exit. A file, not a variable:
# processes started in a command substitution (a subshell) are tracked too.
bench_track() { echo "$1" >> "$WORK/pids"; }

# The release build and the services of scripts/services, with their
# DATABASE_URL and REDIS_URL exported; ADMIN is the maintenance database.
bench_services() {
  make -C "$ROOT" build >/dev/null
  "$ROOT/scripts/services" up >/dev/null
  eval "$("$ROOT/scripts/services" env)"
  ADMIN="$DATABASE_URL"
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# wait_port LOG: the port a simulator started with --port 0 > LOG listens
# on, once it says so (fails after a minute).
wait_port() {
  for _ in $(seq 1 600); do
    grep -q listening "$1" 2>/dev/null && { grep -o ':[0-9]*' "$1" | tail -1 | tr -d :; return; }
    sleep 0.1
  done
  echo "hubsim did not start" >&2; exit 1
}

# nginx_static: serves the files of $WORK/www as JSON on a free port (the
# same-run reference for a server's throughput); prints the port.
nginx_static() {
  local port; port="$(free_port)"
  cat > "$WORK/nginx.conf" <<NGX
worker_processes 2;
pid $WORK/nginx.pid;
error_log $WORK/nginx.err;
events { worker_connections 1024; }
http {
  access_log off;
  default_type application/json;
  server { listen 127.0.0.1:$port; root $WORK/www; }
}
NGX
  nginx -c "$WORK/nginx.conf" -p "$WORK"
  sleep 0.5
  echo "$port"
}

# sample_lag PORT DB SECONDS LABEL: every 100 ms for SECONDS, how many blocks
# each shard's stored cursor (hub_cursors in DB) is behind the head of the
# simulator on PORT (1 block = 1 s at --tick-ms 1000); prints LABEL with
# the median, p99 and max.
sample_lag() {
  python3 - "$@" <<'PY'
import json, subprocess, sys, time, urllib.request
port, db, secs, label = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
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
print(f"{label}: {len(lags)} samples over {secs:.0f} s, blocks behind the hub head "
      f"(1 block = 1 s): median {p(0.5)}, p99 {p(0.99)}, max {lags[-1]}")
PY
}
