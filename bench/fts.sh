#!/usr/bin/env bash
# What full-text search upkeep costs the writer, in PostgreSQL CPU time (the
# backend's utime + stime from /proc, so a busy machine changes little): the
# casts of the N busiest accounts of a 20,000-account network are loaded with
# psql \copy (one statement, as a backfill page's set-wise insert), and the
# first ROW_CASTS of them again one INSERT statement each (as the stream
# follower writes), into casts
#   - with the GIN index on casts that search used before migration 0017
#     (the upkeep inline, in the writer's transaction),
#   - as the schema is now: the queue trigger, no GIN index on casts,
#   - with neither (the floor: what a cast costs without search);
# then the search job of `fcindex serve` (its own backend) indexes what the
# trigger queued, its CPU counted apart. Each load ROUNDS times, in turn.
# Usage: bench/fts.sh [fids] [rounds] [row_casts]
. "$(dirname "$0")/lib.sh"
FIDS="${1:-300}"
ROUNDS="${2:-2}"
ROW_CASTS="${3:-20000}"
bench_services
BASE="${DATABASE_URL%/*}"
"$ROOT/build/hubsim" --port 0 --fids 20000 > "$WORK/sim.log" &
bench_track $!
PORT="$(wait_port "$WORK/sim.log")"
fresh() { # database name: an empty, migrated database
  psql "$ADMIN" -qc "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" 2>/dev/null
  DATABASE_URL="$BASE/$1" "$ROOT/build/fcindex" migrate >/dev/null
}
fresh bench_fts_src
DATABASE_URL="$BASE/bench_fts_src" FCINDEX_HUBS_URLS="http://127.0.0.1:$PORT" \
  FCINDEX_LOG_LEVEL=warn FCINDEX_STRATEGY_EXPANSION_DEPTH=0 FCINDEX_VERIFY_MODE=off \
  FCINDEX_STRATEGY_ROOT_TARGETS="$("$ROOT/build/hubsim" busiest --count "$FIDS" --fids 20000)" \
  "$ROOT/build/fcindex" backfill --all-unsynced --wait >/dev/null
psql "$BASE/bench_fts_src" -qc "\\copy casts TO '$WORK/casts.csv' CSV"
CASTS=$(wc -l < "$WORK/casts.csv")
for db in gin queue none; do
  fresh "bench_fts_$db"
  # the row-by-row loads read their casts from a table of the same database
  psql "$BASE/bench_fts_$db" -qc "CREATE UNLOGGED TABLE casts_src (LIKE casts)" \
    -c "\\copy casts_src FROM '$WORK/casts.csv' CSV" \
    -c "DELETE FROM casts_src WHERE ctid NOT IN (SELECT ctid FROM casts_src LIMIT $ROW_CASTS)"
done
# gin: the schema before 0017; none: without search
psql "$BASE/bench_fts_gin" -qc "DROP TRIGGER casts_search_enqueue ON casts" \
  -c "CREATE INDEX casts_text_search ON casts USING gin (to_tsvector('simple', coalesce(text, ''))) WHERE deleted_at IS NULL"
psql "$BASE/bench_fts_none" -qc "DROP TRIGGER casts_search_enqueue ON casts"

# cpu DB SQL...: the centiseconds of CPU the one backend running the
# statements used (psql -f: a \copy is a statement of the session too).
cpu() {
  local db="$1"; shift
  { echo 'SELECT pg_backend_pid() AS pid \gset'; echo '\setenv BPID :pid'
    printf '%s\n' "$@"
    echo "\\! awk '{print \$14 + \$15}' /proc/\$BPID/stat"; } > "$WORK/cpu.sql"
  psql "$db" -qAt -f "$WORK/cpu.sql" | tail -1
}
# job_cpu: the centiseconds of CPU the search job of a `fcindex serve` started
# now used to empty bench_fts_queue's queue (its backend lives as long as it
# does, so its whole CPU is the job's), then the seconds that took, wall time
job_cpu() {
  local db="$BASE/bench_fts_queue" start pid="" cs
  start=$(date +%s.%N)
  DATABASE_URL="$db" FCINDEX_HUBS_URLS="http://127.0.0.1:$PORT" FCINDEX_LOG_LEVEL=warn \
    FCINDEX_API_LISTEN=127.0.0.1:0 REDIS_URL= "$ROOT/build/fcindex" serve --role=api \
    > "$WORK/serve.log" 2>&1 &
  local serve=$!
  bench_track "$serve"
  for _ in $(seq 1 6000); do
    [ -z "$pid" ] && pid=$(psql "$db" -qAtc "SELECT pid FROM pg_stat_activity WHERE datname = \
      current_database() AND query LIKE '%FROM cast_search_queue WHERE ctid%' AND pid <> \
      pg_backend_pid()")
    [ -n "$pid" ] && [ "$(psql "$db" -qAtc "SELECT count(*) FROM cast_search_queue")" = 0 ] && break
    sleep 0.05
  done
  local end; end=$(date +%s.%N)
  cs=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  kill "$serve"; wait "$serve" 2>/dev/null || true
  echo "$cs $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')"
}
LOAD="\\copy casts FROM '$WORK/casts.csv' CSV"
ROWS="DO \$\$ DECLARE r casts_src; BEGIN FOR r IN SELECT * FROM casts_src LOOP
  INSERT INTO casts VALUES (r.*); END LOOP; END \$\$;"
empty() { psql "$BASE/bench_fts_$1" -qc "TRUNCATE casts, cast_search_queue"; }
echo "$CASTS casts (of $FIDS accounts), $ROW_CASTS of them row by row; PostgreSQL CPU seconds," \
     "$ROUNDS rounds in turn:"
for r in $(seq 1 "$ROUNDS"); do
  empty gin; gin=$(cpu "$BASE/bench_fts_gin" "$LOAD")
  empty queue; queue=$(cpu "$BASE/bench_fts_queue" "$LOAD")
  read -r job job_s < <(job_cpu)
  empty none; none=$(cpu "$BASE/bench_fts_none" "$LOAD")
  empty gin; gin_rows=$(cpu "$BASE/bench_fts_gin" "$ROWS")
  empty queue; queue_rows=$(cpu "$BASE/bench_fts_queue" "$ROWS")
  empty none; none_rows=$(cpu "$BASE/bench_fts_none" "$ROWS")
  awk -v g="$gin" -v q="$queue" -v n="$none" -v j="$job" -v js="$job_s" -v gr="$gin_rows" \
      -v qr="$queue_rows" -v nr="$none_rows" -v r="$r" 'BEGIN {
    printf "round %d: set-wise load: GIN on casts %.2f s, queue trigger %.2f s (%.0f%% of the GIN" \
           " load), neither %.2f s; search job %.2f s (%.1f s wall)\n", r, g / 100, q / 100,
           100 * q / g, n / 100, j / 100, js
    printf "         row by row: GIN on casts %.2f s, queue trigger %.2f s (%.0f%%), neither %.2f s\n",
           gr / 100, qr / 100, 100 * qr / gr, nr / 100 }'
done
for db in bench_fts_src bench_fts_gin bench_fts_queue bench_fts_none; do
  psql "$ADMIN" -qc "DROP DATABASE IF EXISTS $db" 2>/dev/null
done
