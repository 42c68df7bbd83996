#!/usr/bin/env bash
# `make install` / `make uninstall` and the Debian package, in scratch roots:
# the installed binary runs, the man page covers every command, the package
# declares the packages of the libraries the binary links, and removal
# leaves the root exactly as it was.
#   test_install.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src="$1" build="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

want_version="$("$build/fcindex" --version)"
[[ "$want_version" =~ ^fcindex\ [0-9] ]] || fail "built binary says \"$want_version\""

# A root with the directories a system already has, before anything is installed.
fresh_root() {
  local r="$1"
  mkdir -p "$r"/usr/local/{bin,share/man/man1,share/doc,lib/systemd/system} \
           "$r"/etc
}
listing() { (cd "$1" && find . -path ./var/lib/dpkg -prune -o -print | sort); }

echo "== make install / uninstall"
root="$work/root"
fresh_root "$root"
before="$(listing "$root")"
make -s -C "$src" install BUILD="$build" DESTDIR="$root" PREFIX=/usr/local >/dev/null
[ "$("$root/usr/local/bin/fcindex" --version)" = "$want_version" ] || fail "installed fcindex --version"
man="$root/usr/local/share/man/man1/fcindex.1"
[ -s "$man" ] || fail "no man page at $man"
grep -q '^\.TH FCINDEX 1 ' "$man" || fail "man page has no .TH FCINDEX 1 header"
commands="$("$build/fcindex" help | sed -n '/^commands:/,/^$/p' | sed '1d;/^$/d' | awk '{print $1}')"
[ "$(echo "$commands" | wc -l)" -ge 5 ] || fail "fcindex help lists too few commands: $commands"
for c in $commands; do
  grep -qx "\.SS $c" "$man" || fail "man page has no section for command $c"
  grep -qF "usage: fcindex $c" "$man" || fail "man page lacks the usage of $c"
done
[ -s "$root/usr/local/share/doc/fcindex/fcindex.conf.example" ] || fail "no example config installed"
"$root/usr/local/bin/fcindex" config check "$root/usr/local/share/doc/fcindex/fcindex.conf.example" \
  >/dev/null || fail "the installed example config does not pass config check"
make -s -C "$src" uninstall DESTDIR="$root" PREFIX=/usr/local
after="$(listing "$root")"
[ "$before" = "$after" ] || fail "uninstall changed the root: $(diff <(echo "$before") <(echo "$after") | tr "\n" " ")"

echo "== make deb"
make -s -C "$src" deb BUILD="$build" DEB_OUT="$work/out" >/dev/null
deb="$(ls "$work"/out/fcindex_*.deb)"
[ "$(dpkg-deb -f "$deb" Package)" = fcindex ] || fail "package name"
[ "$(dpkg-deb -f "$deb" Version)" = "${want_version#fcindex }" ] || fail "package version"
depends="$(dpkg-deb -f "$deb" Depends)"
# Every shared library the binary links directly (ELF NEEDED) belongs to a
# package the .deb depends on.
needed="$(objdump -p "$build/fcindex" | awk '$1 == "NEEDED" {print $2}')"
[ "$(echo "$needed" | wc -l)" -ge 5 ] || fail "objdump found too few NEEDED entries: $needed"
for soname in $needed; do
  lib="$(ldd "$build/fcindex" | awk -v s="$soname" '$1 == s && $3 ~ /^\// {print $3}')"
  [ -n "$lib" ] || fail "ldd cannot resolve $soname"
  owner="$(dpkg -S "$(readlink -f "$lib")" 2>/dev/null || dpkg -S "$lib" 2>/dev/null || true)"
  owner="${owner%%:*}"
  [ -n "$owner" ] || fail "no package owns $lib"
  grep -Eq "(^|, )$owner( |,|$)" <<<"$depends" || fail "Depends lacks $owner (for $lib): $depends"
done

echo "== dpkg --root install / purge"
# An empty root: dpkg creates every directory of the package, and purge
# must remove them all again.
droot="$work/droot"
mkdir -p "$droot"/var/lib/dpkg/{info,updates}
touch "$droot"/var/lib/dpkg/status
before="$(listing "$droot")"
dpkg --root="$droot" --force-depends --force-script-chrootless -i "$deb" >/dev/null 2>&1 ||
  fail "dpkg -i into the scratch root"
[ "$("$droot/usr/bin/fcindex" --version)" = "$want_version" ] || fail "packaged fcindex --version"
for f in /usr/share/man/man1/fcindex.1 /usr/share/doc/fcindex/fcindex.conf.example \
         /usr/lib/systemd/system/fcindex.service /usr/lib/systemd/system/fcindex-indexer.service \
         /usr/lib/systemd/system/fcindex-api@.service; do
  dpkg --root="$droot" -L fcindex | grep -qxF "$f" || fail "package lacks $f"
done
grep -q '^ExecStart=/usr/bin/fcindex ' "$droot/usr/lib/systemd/system/fcindex.service" ||
  fail "packaged unit does not start /usr/bin/fcindex"
dpkg --root="$droot" --force-script-chrootless --purge fcindex >/dev/null 2>&1 || fail "dpkg --purge"
after="$(listing "$droot")"
[ "$before" = "$after" ] || fail "purge changed the root: $(diff <(echo "$before") <(echo "$after") | tr "\n" " ")"
echo "ok"
