#!/usr/bin/env bash
# The module dependency rules of CONTRIBUTING.md, checked on the source
# tree: each rule names a directory and the include paths its files must not
# use. Prints every violation with file:line; exits 1 when there is any.
set -euo pipefail
src="${1:?usage: check_includes.sh SRC_DIR}"
status=0

# forbid DIR PATTERN WHY: no file under DIR may #include a header matching PATTERN
forbid() {
  local dir="$1" pattern="$2" why="$3" hits
  hits="$(grep -rnE "^[[:space:]]*#[[:space:]]*include[[:space:]]*[<\"]($pattern)" \
            --include='*.c' --include='*.h' "$src/$dir" || true)"
  if [ -n "$hits" ]; then
    printf '%s\n' "$hits" | sed "s|^|layering: $why: |"
    status=1
  fi
}

# The API learns what the indexer does through shared state and the database.
forbid api 'indexer/' "src/api must not include the indexer"
forbid api 'hub/' "src/api must not include the hub client"
# Lower layers never reach up.
forbid core 'fc/|hub/|store/|state/|indexer/|api/|cmd/' "src/core depends on nothing of the project"
forbid fc 'hub/|store/|state/|indexer/|api/|cmd/' "src/fc depends only on core"
forbid state 'hub/|indexer/|api/|cmd/' "src/state must not reach up"
forbid store 'hub/|indexer/|api/|cmd/' "src/store must not reach up"
forbid indexer 'api/|cmd/' "src/indexer must not include the API or commands"

# Third-party wrappers: libpq only under src/store; hiredis only in the
# Redis wrapper (src/state/redis_conn.c), included or called.
only_in() {
  local allowed="$1" pattern="$2" why="$3" hits
  hits="$(grep -rnE "$pattern" --include='*.c' --include='*.h' "$src" \
            | grep -vE "^$src/$allowed" || true)"
  if [ -n "$hits" ]; then
    printf '%s\n' "$hits" | sed "s|^|layering: $why: |"
    status=1
  fi
}
only_in 'store/' '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"](libpq-fe\.h|libpq/|postgres)' \
  "libpq belongs to src/store"
only_in 'state/redis_conn\.c:' \
  '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]hiredis/|(^|[^_[:alnum:]])(redis[A-Z][[:alnum:]]*|freeReplyObject)[[:space:]]*\(' \
  "hiredis is called only through the Redis wrapper (state/redis_conn.c)"

exit "$status"
