#!/usr/bin/env bash
# Fetch + decode pages/s from hubsim against libcurl fetching the same pages
# (same run, same threads). Usage: bench/fetch.sh [seconds]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SECS="${1:-3}"
make -C "$ROOT" build >/dev/null
LOG="$(mktemp)"
"$ROOT/build/hubsim" --port 0 --fids 2000 > "$LOG" &
SIM=$!
trap 'kill $SIM 2>/dev/null; rm -f "$LOG"' EXIT
for _ in $(seq 1 100); do grep -q listening "$LOG" && break; sleep 0.1; done
PORT="$(grep -o ':[0-9]*' "$LOG" | tail -1 | tr -d :)"
for t in 1 4; do
  "$ROOT/build/bench/fetch_bench" "http://127.0.0.1:$PORT" "$t" "$SECS" 2000
done
