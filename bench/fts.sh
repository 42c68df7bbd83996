#!/usr/bin/env bash
# What full-text search upkeep costs on ingest, in PostgreSQL CPU time (the
# backend's utime + stime from /proc, so a busy machine changes little):
# the casts of the N busiest accounts of a 20,000-account network are loaded
# with psql \copy into casts with every index (the GIN index with its
# default 4 MB pending list), with a 64 MB pending list (then flushed by
# gin_clean_pending_list, counted apart), without the GIN index, and the GIN
# index built afterwards in one CREATE INDEX; each load ROUNDS times, in turn.
# Usage: bench/fts.sh [fids] [rounds]
. "$(dirname "$0")/lib.sh"
FIDS="${1:-300}"
ROUNDS="${2:-2}"
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
fresh bench_fts_gin
fresh bench_fts_big
psql "$BASE/bench_fts_big" -qc "ALTER INDEX casts_text_search SET (gin_pending_list_limit = 65536)"
fresh bench_fts_none
psql "$BASE/bench_fts_none" -qc "DROP INDEX casts_text_search"

# cpu DB SQL...: the centiseconds of CPU the one backend running the
# statements used (psql -f: a \copy is a statement of the session too).
cpu() {
  local db="$1"; shift
  { echo 'SELECT pg_backend_pid() AS pid \gset'; echo '\setenv BPID :pid'
    printf '%s\n' "$@"
    echo "\\! awk '{print \$14 + \$15}' /proc/\$BPID/stat"; } > "$WORK/cpu.sql"
  psql "$db" -qAt -f "$WORK/cpu.sql" | tail -1
}
LOAD="\\copy casts FROM '$WORK/casts.csv' CSV"
echo "$CASTS casts (of $FIDS accounts); PostgreSQL CPU seconds, $ROUNDS rounds in turn:"
for r in $(seq 1 "$ROUNDS"); do
  psql "$BASE/bench_fts_gin" -qc "TRUNCATE casts CASCADE"
  gin=$(cpu "$BASE/bench_fts_gin" "$LOAD")
  psql "$BASE/bench_fts_big" -qc "TRUNCATE casts CASCADE"
  big=$(cpu "$BASE/bench_fts_big" "$LOAD")
  flush=$(cpu "$BASE/bench_fts_big" "SELECT gin_clean_pending_list('casts_text_search') \\gset")
  psql "$BASE/bench_fts_none" -qc "TRUNCATE casts CASCADE"
  none=$(cpu "$BASE/bench_fts_none" "$LOAD")
  build=$(cpu "$BASE/bench_fts_none" "SET max_parallel_maintenance_workers = 0;" \
    "CREATE INDEX fts_build ON casts USING gin (to_tsvector('simple', coalesce(text, ''))) WHERE deleted_at IS NULL;")
  psql "$BASE/bench_fts_none" -qc "DROP INDEX fts_build"
  tsv=$(cpu "$BASE/bench_fts_none" "SELECT sum(length(to_tsvector('simple', coalesce(text, '')))) FROM casts \\gset")
  awk -v g="$gin" -v b="$big" -v f="$flush" -v n="$none" -v c="$build" -v t="$tsv" -v r="$r" 'BEGIN {
    printf "round %d: with GIN %.2f s; 64 MB pending list %.2f s + flush %.2f s; without GIN %.2f s" \
           " (GIN upkeep %.0f%% of a cast load); GIN built afterwards %.2f s, of which tokenising %.2f s\n",
           r, g / 100, b / 100, f / 100, n / 100, 100 * (g - n) / g, c / 100, t / 100 }'
done
for db in bench_fts_src bench_fts_gin bench_fts_big bench_fts_none; do
  psql "$ADMIN" -qc "DROP DATABASE IF EXISTS $db" 2>/dev/null
done
