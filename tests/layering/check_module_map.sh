#!/usr/bin/env bash
# CONTRIBUTING.md's module map names every source file: a file added without
# a word on its job fails here. Prints each file the map does not name.
set -euo pipefail
root="${1:?usage: check_module_map.sh REPO_DIR}"
map="$(sed -n '/^## Module map/,/^## /p' "$root/CONTRIBUTING.md")"
status=0
for f in $(cd "$root" && ls src/*.c src/*/*.[ch] tools/hubsim/*.[ch] tests/support/*.[ch]); do
  stem="$(basename "$f")"
  stem="${stem%.*}"
  case "$stem" in *_internal | *_backend) continue ;; esac # named by pattern in the map
  if ! grep -qE "\`$stem(\.[ch])?\`" <<<"$map"; then
    echo "module map: $f is not named in CONTRIBUTING.md"
    status=1
  fi
done
exit "$status"
