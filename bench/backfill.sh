#!/usr/bin/env bash
# Backfill throughput: messages/s from the simulator into PostgreSQL for the
# N busiest accounts of a 20,000-account network (1,000 hold about 1M
# messages), verified (verify.mode enforce, the default) and unverified
# (off), against psql \copy of the same rows into the same tables (the
# limit) and into tables with only their primary keys, in the same run; then
# realtime events/s for a stream where about 10% of events touch a target.
# Usage: bench/backfill.sh [fids]
. "$(dirname "$0")/lib.sh"
FIDS="${1:-1000}"
bench_services
BASE="${DATABASE_URL%/*}"
for db in bench_fc bench_off bench_copy bench_pk bench_rt; do
  psql "$ADMIN" -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" 2>/dev/null
done

"$ROOT/build/hubsim" --port 0 --fids 20000 > "$WORK/sim.log" &
SIM=$!
bench_track $SIM
PORT="$(wait_port "$WORK/sim.log")"
export FCINDEX_HUBS_URLS="http://127.0.0.1:$PORT" FCINDEX_LOG_LEVEL=warn
export FCINDEX_STRATEGY_ROOT_TARGETS="$("$ROOT/build/hubsim" busiest --count "$FIDS" --fids 20000 2>/dev/null)"
export FCINDEX_STRATEGY_EXPANSION_DEPTH=0
export FCINDEX_CONCURRENCY_BACKFILL_WORKERS=4
DATABASE_URL="$BASE/bench_fc" "$ROOT/build/fcindex" migrate >/dev/null
T0=$(date +%s%N)
DATABASE_URL="$BASE/bench_fc" "$ROOT/build/fcindex" backfill --all-unsynced --wait > "$WORK/bf.out"
T1=$(date +%s%N)
MSGS=$(grep -o '[0-9]* messages' "$WORK/bf.out" | head -1 | cut -d' ' -f1)
FC_MS=$(( (T1 - T0) / 1000000 ))
# The same accounts again with verification off (the simulator's render
# cache is warm for both: the first run paid for generating and signing).
DATABASE_URL="$BASE/bench_off" "$ROOT/build/fcindex" migrate >/dev/null
T0=$(date +%s%N)
DATABASE_URL="$BASE/bench_off" FCINDEX_VERIFY_MODE=off "$ROOT/build/fcindex" backfill --all-unsynced --wait > "$WORK/off.out"
T1=$(date +%s%N)
OFF_MS=$(( (T1 - T0) / 1000000 ))
# And verified once more, on the same warm cache, so the two compare.
psql "$ADMIN" -qc "DROP DATABASE bench_fc" -c "CREATE DATABASE bench_fc"
DATABASE_URL="$BASE/bench_fc" "$ROOT/build/fcindex" migrate >/dev/null
T0=$(date +%s%N)
DATABASE_URL="$BASE/bench_fc" "$ROOT/build/fcindex" backfill --all-unsynced --wait > "$WORK/bf.out"
T1=$(date +%s%N)
FC_MS=$(( (T1 - T0) / 1000000 ))

# The limit: the same rows loaded with psql \copy into an empty copy of the schema.
DATABASE_URL="$BASE/bench_copy" "$ROOT/build/fcindex" migrate >/dev/null
TABLES="casts reactions links verifications user_data onchain_events signers username_proofs"
for t in $TABLES; do psql "$BASE/bench_fc" -qc "\\copy $t TO '$WORK/$t.csv' CSV"; done
ROWS=$(for t in $TABLES; do wc -l < "$WORK/$t.csv"; done | paste -sd+ | bc)
T2=$(date +%s%N)
for t in $TABLES; do psql "$BASE/bench_copy" -qc "\\copy $t FROM '$WORK/$t.csv' CSV"; done
T3=$(date +%s%N)
CP_MS=$(( (T3 - T2) / 1000000 ))
# Tables with only their primary keys: every other index dropped.
DATABASE_URL="$BASE/bench_pk" "$ROOT/build/fcindex" migrate >/dev/null
for t in $TABLES; do
  for i in $(psql "$BASE/bench_pk" -Atc "SELECT i.indexrelid::regclass FROM pg_index i WHERE i.indrelid = '$t'::regclass AND NOT i.indisprimary AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)"); do
    psql "$BASE/bench_pk" -qc "DROP INDEX $i"
  done
done
T2=$(date +%s%N)
for t in $TABLES; do psql "$BASE/bench_pk" -qc "\\copy $t FROM '$WORK/$t.csv' CSV"; done
T3=$(date +%s%N)
PK_MS=$(( (T3 - T2) / 1000000 ))
echo "backfill, verified: $FIDS fids, $MSGS messages ($ROWS rows) in $FC_MS ms = $(( MSGS * 1000 / (FC_MS + 1) )) messages/s"
echo "backfill, verify.mode=off: $OFF_MS ms = $(( MSGS * 1000 / (OFF_MS + 1) )) messages/s"
echo "verified / unverified (messages/s): $(( (OFF_MS + 1) * 100 / (FC_MS + 1) ))%"
echo "psql \\copy of the same $ROWS rows, full schema: $CP_MS ms = $(( ROWS * 1000 / (CP_MS + 1) )) rows/s"
echo "psql \\copy of the same $ROWS rows, primary keys only: $PK_MS ms = $(( ROWS * 1000 / (PK_MS + 1) )) rows/s"
echo "ratio verified backfill / copy full schema (rows/s): $(( (CP_MS + 1) * 100 / (FC_MS + 1) ))%"
echo "ratio verified backfill / copy primary keys only (rows/s): $(( (PK_MS + 1) * 100 / (FC_MS + 1) ))%"

# Realtime: 40 blocks of history at 16,000 events each (--tick-ms long makes
# every block full); targets are every 10th fid.
kill $SIM
"$ROOT/build/hubsim" --port 0 --fids "$FIDS" --history-ticks 40 --events-per-sec 500 \
    --tick-ms 1000000 > "$WORK/sim2.log" &
bench_track $!
PORT="$(wait_port "$WORK/sim2.log")"
export FCINDEX_HUBS_URLS="http://127.0.0.1:$PORT"
export FCINDEX_STRATEGY_ROOT_TARGETS="$(seq -s, 1 10 "$FIDS")"
DATABASE_URL="$BASE/bench_rt" "$ROOT/build/fcindex" migrate >/dev/null
T4=$(date +%s%N)
DATABASE_URL="$BASE/bench_rt" "$ROOT/build/fcindex" sync --until-head > "$WORK/rt.out"
T5=$(date +%s%N)
EV=$(grep -o '[0-9]* events' "$WORK/rt.out" | cut -d' ' -f1)
KEPT=$(grep -o '[0-9]* applied' "$WORK/rt.out" | cut -d' ' -f1)
RT_MS=$(( (T5 - T4) / 1000000 ))
echo "realtime: $EV events ($KEPT applied) in $RT_MS ms = $(( EV * 1000 / (RT_MS + 1) )) events/s"
for db in bench_fc bench_off bench_copy bench_pk bench_rt; do psql "$ADMIN" -qc "DROP DATABASE IF EXISTS $db" 2>/dev/null; done
