#!/usr/bin/env bash
# Verification speed on one core, with libsodium's own rates from the same run
# as the reference: signatures/s/core of full message verification (MessageData
# rebuilt, BLAKE3, ed25519) vs crypto_sign_verify_detached alone over the same
# messages of the recorded corpus; BLAKE3 MB/s on message-sized inputs vs
# libsodium's BLAKE2b. Usage: bench/verify.sh [SECONDS_PER_CASE]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
make -C "$ROOT" build >/dev/null
"$ROOT/build/bench/verify_bench" "$ROOT/tests/fixtures/hub-sample" "${1:-1.5}"
