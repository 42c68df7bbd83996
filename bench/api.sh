#!/usr/bin/env bash
# API throughput and latency with wrk, against nginx serving static JSON of
# the same size in the same run:
#  - cached GET /v1/casts/:hash and GET /v1/users/:fid (ratio to nginx, p99);
#  - uncached GET /v1/feed/:fid of a user following 1,000 accounts over
#    1,000,000 casts (requests/s, p99);
#  - uncached user search over 100,000 users (a different name each request),
#    that feed, and the thread of a 300-reply conversation (requests/s, p99 at 8 and at
#    2 connections, next to same-run references: /healthz and an uncached
#    single cast), on a server with pool 8 and 4 HTTP threads and on one
#    sized to the machine (pool and threads = the cores); the load average.
# Needs nginx and wrk (scripts/deps --bench). Usage: bench/api.sh [seconds]
. "$(dirname "$0")/lib.sh"
"$ROOT/scripts/deps" --bench
SECS="${1:-5}"
bench_services
DB="${DATABASE_URL%/*}/bench_api"

if [ "$(psql "$ADMIN" -Atc "SELECT count(*) FROM pg_database WHERE datname = 'bench_api'")" = 0 ] ||
   [ "$(psql "$DB" -Atc "SELECT count(*) >= 1000000 FROM casts" 2>/dev/null)" != t ] ||
   [ "$(psql "$DB" -Atc "SELECT count(*) >= 100000 FROM users" 2>/dev/null)" != t ]; then
  echo "loading 1,000,000 casts by 10,000 of 100,000 accounts, 500,000 reactions, 1,000 follows..."
  psql "$ADMIN" -qc "DROP DATABASE IF EXISTS bench_api" -c "CREATE DATABASE bench_api"
  DATABASE_URL="$DB" "$ROOT/build/fcindex" migrate >/dev/null
  psql "$DB" -q <<'SQL'
INSERT INTO users (fid, username, display_name, pfp_url, bio)
  SELECT f, 'user' || f, 'User ' || f, 'https://example.com/' || f || '.png', 'bio of ' || f
  FROM generate_series(1, 100000) f;
INSERT INTO casts (hash, fid, "timestamp", text, embeds)
  SELECT decode(md5(i::text) || substr(md5('x' || i), 1, 8), 'hex'), 1 + (i % 10000),
         timestamptz '2025-01-01' + i * interval '10 seconds',
         'cast ' || i || ' about farcaster indexers and postgres', '[]'
  FROM generate_series(1, 1000000) i;
INSERT INTO reactions (hash, fid, type, target_hash, target_fid, "timestamp")
  SELECT decode(md5('r' || i) || substr(md5('s' || i), 1, 8), 'hex'), 1 + (i % 9973), 1 + (i % 2),
         decode(md5((i * 2)::text) || substr(md5('x' || (i * 2)), 1, 8), 'hex'),
         1 + ((i * 2) % 10000), timestamptz '2025-01-01' + i * interval '20 seconds'
  FROM generate_series(1, 500000) i;
INSERT INTO links (hash, fid, target_fid, type, "timestamp")
  SELECT decode(md5('l' || i) || substr(md5('m' || i), 1, 8), 'hex'), 424242, 1 + i * 10, 'follow',
         now()
  FROM generate_series(0, 999) i;
INSERT INTO targets (fid, is_root, source, last_synced_at) VALUES (424242, true, 'admin', now());
-- a conversation: casts 2..301 reply to cast (i / 3), so cast 1 heads a 300-reply tree
UPDATE casts c SET parent_hash = decode(md5((i / 3)::text) || substr(md5('x' || (i / 3)), 1, 8),
       'hex'), parent_fid = 1 + ((i / 3) % 10000)
  FROM generate_series(2, 301) i
  WHERE c.hash = decode(md5(i::text) || substr(md5('x' || i), 1, 8), 'hex');
ANALYZE;
SQL
fi

# a database kept from an earlier run may predate this build's migrations
DATABASE_URL="$DB" "$ROOT/build/fcindex" migrate >/dev/null

start_api() { # extra env... -> port
  local port; port="$(free_port)"
  env DATABASE_URL="$DB" REDIS_URL= FCINDEX_API_LISTEN="127.0.0.1:$port" FCINDEX_LOG_LEVEL=warn \
      FCINDEX_API_RATE_PUBLIC_PER_MIN=0 FCINDEX_DATABASE_POOL_SIZE=8 "$@" \
      "$ROOT/build/fcindex" serve --role=api > "$WORK/api-$port.log" 2>&1 &
  bench_track $!
  for _ in $(seq 1 100); do curl -sf "127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  echo "$port"
}
APORT="$(start_api)"
HASH="0x$(psql "$DB" -Atc "SELECT encode(hash, 'hex') FROM casts ORDER BY \"timestamp\" DESC LIMIT 1")"
mkdir -p "$WORK/www"
curl -s "127.0.0.1:$APORT/v1/casts/$HASH" > "$WORK/www/cast.json"
curl -s "127.0.0.1:$APORT/v1/users/42" > "$WORK/www/user.json"
NPORT="$(nginx_static)"

run() { # url [connections] [lua script] -> "req/s p99_ms"
  local script=()
  [ -n "${3:-}" ] && script=(-s "$3")
  wrk -t2 -c"${2:-8}" -d"${SECS}s" --latency "${script[@]}" "$1" 2>/dev/null | awk '
    /Requests\/sec/ {r=$2}
    /^ *99%/ {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; p=v}
    END {printf "%.0f %.2f", r, p}'
}
printf "%-34s %10s %9s %10s %9s %7s\n" route api_req/s api_p99 nginx_req/s nginx_p99 ratio
for pair in "/v1/casts/:hash:/v1/casts/$HASH:cast.json" "/v1/users/:fid:/v1/users/42:user.json"; do
  IFS='|' read -r name path file <<<"$(echo "$pair" | sed 's/:\/v1/|\/v1/; s/:\([a-z]*\.json\)$/|\1/')"
  read -r ar ap <<<"$(run "http://127.0.0.1:$APORT$path")"
  read -r nr np <<<"$(run "http://127.0.0.1:$NPORT/$file")"
  printf "%-34s %10s %7sms %10s %7sms %6.0f%%\n" "$name cached ($(stat -c %s "$WORK/www/$file")B)" \
    "$ar" "$ap" "$nr" "$np" "$(echo "100*$ar/$nr" | bc -l)"
done

# The feed uncached: the cache is off for feeds in this server.
UPORT="$(start_api FCINDEX_API_CACHE_FEED_TTL_S=0)"
read -r fr fp <<<"$(run "http://127.0.0.1:$UPORT/v1/feed/424242")"
printf "%-34s %10s %7sms   (1,000 follows, 1,000,000 casts)\n" "/v1/feed/:fid uncached" "$fr" "$fp"
read -r fr fp <<<"$(run "http://127.0.0.1:$UPORT/v1/feed/424242" 2)"
printf "%-34s %10s %7sms   (2 connections: latency without queueing)\n" "/v1/feed/:fid uncached" "$fr" "$fp"
read -r fr fp <<<"$(run "http://127.0.0.1:$UPORT/v1/feed/424242?limit=100")"
printf "%-34s %10s %7sms\n" "/v1/feed/:fid?limit=100 uncached" "$fr" "$fp"

# User search (random names: an exact one or a 5-character prefix; the
# search cache is off, since every wrk thread and run draws the same names)
# the uncached feed and the thread of a 300-reply conversation, at 8 and
# at 2 connections.
# Each pair of rows follows two references measured on the same server just
# before: /healthz (no database: the HTTP path's own queueing) and an
# uncached GET /v1/casts/:hash (one small statement through the pool). With
# 8 connections on 2 cores requests queue behind each other: a reference
# whose p99 grows the same way shows that queueing. Search limits and the
# cast, profile, feed and search caches are off on these servers.
# Two servers: pool 8 and 4 HTTP threads (as above), and one sized to the
# machine (pool and HTTP threads = the cores): more threads than cores keep
# each other waiting for the CPU, which is what a p99 at 8 connections shows.
cat > "$WORK/users.lua" <<'LUA'
math.randomseed(42)
request = function()
  if math.random(2) == 1 then
    return wrk.format("GET", "/v1/search/users?q=user" .. math.random(1, 100000))
  end
  return wrk.format("GET", "/v1/search/users?q=user" .. math.random(1000, 9999))
end
LUA
ROOTH="0x$(psql "$DB" -Atc "SELECT encode(decode(md5('1') || substr(md5('x1'), 1, 8), 'hex'), 'hex')")"
load() { cut -d' ' -f1-3 /proc/loadavg; }
CORES="$(nproc)"
for sizing in "pool 8, 4 threads" "pool $CORES, $CORES threads"; do
  if [ "$sizing" = "pool 8, 4 threads" ]; then
    SPORT="$(start_api FCINDEX_API_CACHE_FEED_TTL_S=0 FCINDEX_API_CACHE_PROFILE_TTL_S=0 \
      FCINDEX_API_CACHE_SEARCH_TTL_S=0 FCINDEX_API_RATE_SEARCH_PER_MIN=0)"
  else
    SPORT="$(start_api FCINDEX_API_CACHE_FEED_TTL_S=0 FCINDEX_API_CACHE_PROFILE_TTL_S=0 \
      FCINDEX_API_CACHE_SEARCH_TTL_S=0 FCINDEX_API_RATE_SEARCH_PER_MIN=0 \
      FCINDEX_DATABASE_POOL_SIZE="$CORES" FCINDEX_API_THREADS="$CORES")"
  fi
  THREAD="http://127.0.0.1:$SPORT/v1/casts/$ROOTH/thread?depth=10&limit=100"
  echo
  echo "server: $sizing; load average before: $(load)"
  printf "%-34s %5s %9s %9s   %s\n" route conns req/s p99 "same-run references: p99 (req/s)"
  for c in 8 2; do
    read -r hr hp <<<"$(run "http://127.0.0.1:$SPORT/healthz" "$c")"
    read -r pr pp <<<"$(run "http://127.0.0.1:$SPORT/v1/casts/$HASH" "$c")"
    refs="/healthz ${hp}ms ($hr), /v1/casts/:hash uncached ${pp}ms ($pr)"
    read -r ur up <<<"$(run "http://127.0.0.1:$SPORT" "$c" "$WORK/users.lua")"
    printf "%-34s %5s %9s %7sms   %s\n" "/v1/search/users uncached" "$c" "$ur" "$up" "$refs"
    read -r fr fp <<<"$(run "http://127.0.0.1:$SPORT/v1/feed/424242" "$c")"
    printf "%-34s %5s %9s %7sms   %s\n" "/v1/feed/:fid uncached" "$c" "$fr" "$fp" \
      "(1,000 follows, 1,000,000 casts)"
    read -r tr tp <<<"$(run "$THREAD" "$c")"
    printf "%-34s %5s %9s %7sms   %s\n" "/v1/casts/:hash/thread uncached" "$c" "$tr" "$tp" \
      "(300-reply tree, 100 shown)"
  done
done
echo "load average after: $(load)"
