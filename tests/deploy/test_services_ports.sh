#!/usr/bin/env bash
# scripts/services moves off ports it cannot use: a recorded PostgreSQL port
# that something listens on, and a recorded Redis port held by a closed
# connection in TIME_WAIT (not listening, yet not bindable); the new ports
# are recorded in .local/ports and `env` names them; both services answer
# there. An explicitly configured port that is taken fails loudly instead.
#   test_services_ports.sh SOURCE_DIR
set -euo pipefail
src="$1"
work="$(mktemp -d)"
chmod 755 "$work"
holder_pid=""
cleanup() {
  [ -x "$work/scripts/services" ] && "$work/scripts/services" down >/dev/null 2>&1 || true
  [ -n "$holder_pid" ] && kill "$holder_pid" 2>/dev/null || true
  rm -rf "$work" /var/tmp/fcindex-"$(printf '%s' "$work" | md5sum | cut -c1-12)"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
mkdir -p "$work/scripts" "$work/.local"
cp "$src/scripts/services" "$work/scripts/"
unset FCINDEX_SVC_PG_PORT FCINDEX_SVC_REDIS_PORT

# A listener on one port, and a second port left in TIME_WAIT by a client
# that bound it and closed first. Prints both ports, then keeps listening.
/usr/bin/python3 -u - > "$work/ports.txt" <<'PY' &
import socket, sys, time
held = socket.socket(); held.bind(("127.0.0.1", 0)); held.listen()
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen()
cli = socket.socket(); cli.bind(("127.0.0.1", 0)); tw_port = cli.getsockname()[1]
cli.connect(srv.getsockname()); conn, _ = srv.accept()
cli.close(); time.sleep(0.2); conn.close(); srv.close()   # the client closed first: TIME_WAIT
print(held.getsockname()[1], tw_port)
time.sleep(300)
PY
holder_pid=$!
for _ in $(seq 1 50); do [ -s "$work/ports.txt" ] && break; sleep 0.1; done
read -r pg_held redis_tw < "$work/ports.txt" || fail "the port holder did not start"
ss -Htan "sport = :$redis_tw" | grep -q TIME-WAIT || fail "port $redis_tw is not in TIME_WAIT"

# Explicitly configured and taken: refused, not moved.
if FCINDEX_SVC_PG_PORT="$pg_held" "$work/scripts/services" up --test >/dev/null 2>&1; then
  fail "an explicit taken port was not refused"
fi

# Recorded (not explicit) ports that cannot be used: moved to free ones.
printf 'pg=%s\nredis=%s\n' "$pg_held" "$redis_tw" > "$work/.local/ports"
"$work/scripts/services" up --test >/dev/null || fail "services up did not move off the taken ports"
pg_port="$(sed -n 's/^pg=//p' "$work/.local/ports")"
redis_port="$(sed -n 's/^redis=//p' "$work/.local/ports")"
[ "$pg_port" != "$pg_held" ] || fail "PostgreSQL kept the taken port $pg_held"
[ "$redis_port" != "$redis_tw" ] || fail "Redis kept the TIME_WAIT port $redis_tw"
eval "$("$work/scripts/services" env)"
[[ "$DATABASE_URL" == *":$pg_port/"* ]] || fail "env names $DATABASE_URL, not port $pg_port"
[[ "$REDIS_URL" == *":$redis_port/"* ]] || fail "env names $REDIS_URL, not port $redis_port"
[ "$(psql -qAtX "$DATABASE_URL" -c 'SELECT 1')" = 1 ] || fail "PostgreSQL does not answer on $pg_port"
[ "$(redis-cli -p "$redis_port" ping)" = PONG ] || fail "Redis does not answer on $redis_port"
echo ok
