#!/usr/bin/env bash
# Decoder MB/s and messages/s against the bare yajl parse and the yajl tree
# parse (same process, same bytes), and against node's JSON.parse of the same
# files. Usage: bench/decode.sh
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
make -C "$ROOT" build >/dev/null
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
"$ROOT/build/bench/decode_bench" "$OUT"
if command -v node >/dev/null; then
  for f in castsByFid events; do
    node -e '
      const fs = require("fs");
      const buf = fs.readFileSync(process.argv[1]);
      let n = 0; const t0 = Date.now();
      while (Date.now() - t0 < 1500) { JSON.parse(buf.toString("utf8")); n++; }
      const s = (Date.now() - t0) / 1000;
      console.log(`node JSON.parse ${process.argv[2]}: ${(buf.length * n / 1e6 / s).toFixed(0)} MB/s (with UTF-8 decode)`);
    ' "$OUT/$f.json" "$f"
  done
fi
