#!/usr/bin/env bash
# Runs a test binary whose setup must fail (its fixtures point at an empty
# directory) in a process group of its own, and checks that it failed by
# itself: exit status 1 with the missing file named, not killed by a signal.
# A teardown that signals pid 0 (a child that never started) would take the
# whole group with it, ctest included, were it not isolated here.
set -uo pipefail
bin="${1:?usage: fails_alone.sh TEST_BINARY}"
empty="$(mktemp -d)"
trap 'rmdir "$empty"' EXIT
out="$(FCINDEX_FIXTURES="$empty" setsid --wait "$bin" 2>&1)"
rc=$?
if [ "$rc" -ne 1 ]; then
  echo "$bin: want exit status 1 from a failed setup, got $rc (>128: killed by signal $((rc - 128)))" >&2
  echo "$out" >&2
  exit 1
fi
if ! grep -q "$empty/expected.json" <<<"$out"; then
  echo "$bin: the failure does not name the missing file:" >&2
  echo "$out" >&2
  exit 1
fi
echo "$bin: failed alone, naming $empty/expected.json"
