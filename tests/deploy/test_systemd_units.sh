#!/usr/bin/env bash
# The systemd units of deploy/systemd, as `make install` writes them: they
# pass `systemd-analyze verify` (syntax, the ExecStart binary exists, the
# man page named in Documentation= is found), carry the hardening and
# supervision settings the deployment relies on, and score as well
# hardened by `systemd-analyze security`.
#   test_systemd_units.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src="$1" build="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# Installed under a scratch prefix, ExecStart names $work/bin/fcindex.
make -s -C "$src" install BUILD="$build" PREFIX="$work" >/dev/null
units="$work/lib/systemd/system"
for u in fcindex.service fcindex-indexer.service fcindex-api@.service; do
  [ -f "$units/$u" ] || fail "$u not installed"
  grep -q "^ExecStart=$work/bin/fcindex " "$units/$u" || fail "$u: ExecStart does not name the installed binary"
  for setting in Type=notify NotifyAccess=main DynamicUser=yes ProtectSystem=strict \
                 NoNewPrivileges=yes ProtectHome=yes PrivateTmp=yes 'ExecReload=/bin/kill -HUP $MAINPID'; do
    grep -qxF "$setting" "$units/$u" || fail "$u lacks $setting"
  done
  grep -qE '^StateDirectory=fcindex' "$units/$u" || fail "$u has no StateDirectory"
  grep -qE '^WatchdogSec=([3-9]|[1-9][0-9]+)s$' "$units/$u" || fail "$u: WatchdogSec missing or under 3 s"
  if grep -E '^(ReadWritePaths|BindPaths)=' "$units/$u"; then fail "$u makes more than its state directory writable"; fi
done
grep -q -- '--role=all$' "$units/fcindex.service" || fail "fcindex.service does not run role all"
grep -q -- '--role=indexer$' "$units/fcindex-indexer.service" || fail "fcindex-indexer.service does not run role indexer"
grep -q -- '--set api.listen=127.0.0.1:%i serve --role=api$' "$units/fcindex-api@.service" ||
  fail "fcindex-api@.service does not listen on its instance port"

cd "$units"
out="$(MANPATH="$work/share/man" systemd-analyze verify ./fcindex.service ./fcindex-indexer.service \
        ./fcindex-api@8081.service 2>&1)" || fail "systemd-analyze verify: $out"
[ -z "$out" ] || fail "systemd-analyze verify warned: $out"
# Exposure 2.0 of 10 at most ("OK" in systemd-analyze's words is below 5).
for u in fcindex.service fcindex-indexer.service fcindex-api@8081.service; do
  systemd-analyze security --offline=yes --threshold=20 "./$u" >/dev/null 2>&1 ||
    fail "$u: $(systemd-analyze security --offline=yes "./$u" 2>&1 | tail -1)"
done
echo ok
