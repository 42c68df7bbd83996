#include "cmd/cmd.h"

const struct fc_cmd fc_commands[] = {
    {"help", fc_cmd_help, "describe the commands, or one command",
     "usage: fcindex help [COMMAND]\n\nLists the commands, or prints the help of one.\n"},
    {"version", fc_cmd_version, "print the version",
     "usage: fcindex version   (also: fcindex --version)\n"},
    {"config", fc_cmd_config, "check, show or document the configuration",
     "usage: fcindex config check [FILE] | show | docs\n\n"
     "  check [FILE]  load the configuration (FILE, or --config) with the environment and\n"
     "                --set overrides; list every problem with file:line and key; exit 1 if any\n"
     "  show          print the effective configuration, secrets masked, with each value's\n"
     "                origin (default, file:line, env NAME, --set)\n"
     "  docs          print the Markdown option reference (docs/config.md)\n"},
    {"migrate", fc_cmd_migrate, "create or upgrade the database schema",
     "usage: fcindex migrate [status [--json] | reset --yes]\n\n"
     "Applies the SQL migrations embedded in this binary to database.url (DATABASE_URL), each\n"
     "in a transaction, under an advisory lock so concurrent runs are safe; a second run is a\n"
     "no-op. A database whose schema is newer than this binary is refused.\n"
     "  status   list applied and pending migrations (--json: docs/cli/\n"
     "           migrate-status.schema.json)\n"
     "  reset    drop the schema with every table and row, then apply every migration;\n"
     "           refuses without --yes\n"},
    {"decode", fc_cmd_decode, "decode one hub response into JSON lines",
     "usage: fcindex decode [FILE|-] [--flavour snapchain|hubble] [--kind KIND]\n\n"
     "Reads one hub HTTP response (a message page, a single message, an events page, an\n"
     "on-chain events page, a username-proof page or a fids page) and prints one JSON line\n"
     "per item in the shape documented in docs/decode.md. Malformed items print as\n"
     "{\"kind\":\"error\",\"path\":...,\"error\":...} and decoding goes on. Exit 0 when every\n"
     "item decoded, 1 otherwise. KIND: auto (default), messages, events, onchain, proofs, fids.\n"},
    {"serve", fc_cmd_serve, "run the indexer and the HTTP API",
     "usage: fcindex serve [--role=all|indexer|api]\n\n"
     "all (default): the indexer and the HTTP API (api.listen) in one process.\n"
     "indexer: backfills pending targets with concurrency.backfill_workers workers and\n"
     "follows the event streams, growing the target set as roots follow accounts and users\n"
     "sign up through monitored apps.\n"
     "api: the HTTP API alone (public, admin, /metrics, /healthz, /readyz); run any number\n"
     "of them with redis.url set so they share the target set, the queue, rate limits and\n"
     "cache invalidations with the indexer. Stops cleanly on SIGINT/SIGTERM.\n"
     "Every role also makes new casts searchable (a search job on its own connection).\n"},
    {"targets", fc_cmd_targets, "list and change the target set",
     "usage: fcindex targets list [--root|--non-root] [--state STATE] [--source SOURCE]\n"
     "                            [--added-after T] [--added-before T] [--synced-after T]\n"
     "                            [--synced-before T] [--sort SORT] [--limit N] [--offset N]\n"
     "                            [--json]\n"
     "       fcindex targets stats [--json] | cleanup | add FID [--root|--non-root] |\n"
     "       remove FID | promote FID | demote FID\n\n"
     "The target set lives in PostgreSQL (table targets). Added targets are backfilled by a\n"
     "running indexer or by `fcindex backfill --all-unsynced --wait`. remove keeps the rows.\n"
     "  list     STATE: pending, running, failed, held, synced (see `fcindex jobs`); SOURCE:\n"
     "           config, admin, follow, client; T: YYYY-MM-DD (UTC) or an RFC 3339 time, after\n"
     "           inclusive, before exclusive; SORT: fid (default), -fid, added_at, -added_at,\n"
     "           last_synced_at, -last_synced_at, username; --limit 1..100000 (default 1000);\n"
     "           the last line sums the matching targets per state and source\n"
     "  stats    the whole set's counts per state and source, and its roots\n"
     "  add      a root by default (its follows become targets), as POST /admin/targets;\n"
     "           --non-root adds a plain target\n"
     "  --json   print the document docs/cli/targets-list.schema.json (list) or\n"
     "           docs/cli/targets-stats.schema.json (stats) describes\n"},
    {"clients", fc_cmd_clients, "list and change the monitored app fids",
     "usage: fcindex clients list [--json] | add FID | remove FID\n\n"
     "Users who add a signer of a monitored app (found in the event stream) become roots.\n"},
    {"backfill", fc_cmd_backfill, "fetch the history of targets",
     "usage: fcindex backfill [--fid N | --all-unsynced] [--wait]\n\n"
     "With --wait the jobs run in this process (concurrency.backfill_workers workers) and the\n"
     "command returns when they are done: exit 0 only if every job succeeded. Without it the\n"
     "targets are left pending for a running indexer. A root's follows become targets too.\n"
     "Before it exits, --wait makes every cast written searchable.\n"},
    {"sync", fc_cmd_sync, "follow the event stream up to the hub's head",
     "usage: fcindex sync --until-head\n\n"
     "Reads every event stream (each Snapchain shard, or the Hubble hub) from its stored\n"
     "cursor, the first time from the oldest retained event, keeps the events that touch a\n"
     "target, applies each page in one transaction with its cursor, and exits when caught up,\n"
     "once every cast written is searchable.\n"},
    {"jobs", fc_cmd_jobs, "backfill jobs: counts, failures, retry, pause, clear",
     "usage: fcindex jobs stats [--json] | failed [--json] | pause | resume |\n"
     "       clear [--pending|--failed] --yes | retry FID | retry --all\n\n"
     "A target's backfill job is pending, running, failed, held or synced; the states and\n"
     "the pause switch are kept in PostgreSQL (table job_queue_control), so they hold for\n"
     "every process and survive restarts of fcindex and Redis.\n"
     "  stats          jobs per state, whether the queue is paused, and the shared Redis\n"
     "                queue's own counts when redis.url is set\n"
     "  failed         failed jobs with their attempts and last error\n"
     "  pause, resume  stop or restart taking jobs: every backfill worker of every process\n"
     "                checks the switch before each take (within 250 ms); running jobs finish\n"
     "  clear          hold every pending job (default) or, with --failed, every failed one;\n"
     "                held jobs are not queued again; refuses without --yes\n"
     "  retry FID      make one target's job pending again\n"
     "  retry --all    make every failed and held job pending again\n"
     "With the embedded queue (no redis.url) a running server's in-memory queue keeps a job\n"
     "that failed for good until its next start; POST /admin/jobs/retry-all reaches it at once.\n"},
    {"health", fc_cmd_health, "check the database, Redis, each hub and the sync lag",
     "usage: fcindex health\n\n"
     "Prints one line per check and exits non-zero when the database is unreachable or its\n"
     "schema is not current, Redis is configured but unreachable, or no hub answers.\n"},
    {"hash-password", fc_cmd_hash_password, "make an argon2id hash for auth.admin_password_hash",
     "usage: fcindex hash-password < password-file\n\n"
     "Reads the admin password from the first line of standard input and prints its argon2id\n"
     "hash; put it in auth.admin_password_hash (or FCINDEX_AUTH_ADMIN_PASSWORD_HASH) so the\n"
     "plain password need not be stored.\n"},
    {"export", fc_cmd_export, "write targets, clients and indexed rows as JSON lines",
     "usage: fcindex export [--targets] [--clients] [--data] > FILE.jsonl\n\n"
     "Streams one line per row, {\"table\":\"NAME\",\"row\":{...}}, table by table in\n"
     "primary-key order from one snapshot. Without options: --targets --clients. --data adds\n"
     "every indexed row, the stream cursors and the dead letters. Secrets, sessions and the\n"
     "migration bookkeeping are never exported. Progress goes to standard error.\n"},
    {"import", fc_cmd_import, "load an export into the database",
     "usage: fcindex import FILE|- [--dry-run] [--replace] [--json]\n\n"
     "Reads the lines of `fcindex export` (streaming) and inserts them in one transaction:\n"
     "a bad line (named by its number) imports nothing. Rows whose key exists are skipped,\n"
     "unless --replace, which first empties each table the file holds. --dry-run checks and\n"
     "inserts everything, then rolls back. Into an empty migrated database the tables come\n"
     "out identical to those exported. The casts imported are searchable when it exits.\n"},
    {"debug", fc_cmd_debug, "one account, the hubs or the queue, in detail",
     "usage: fcindex debug target FID | hub | queue   (each prints one JSON document;\n"
     "       --json is accepted)\n\n"
     "  target FID  the target's row (job state, attempts, last error: the `target` list\n"
     "              document, total 0 when it is not a target) and, per message kind (casts,\n"
     "              reactions, links, verifications, user data), the live messages the\n"
     "              database and the hubs hold, with the first differences by hash\n"
     "  hub         each hub: reachable, latency, flavour, version, shards and heights\n"
     "  queue       the jobs per state and pause switch, the running, failed, oldest pending\n"
     "              and held jobs (20 of each), and the shared queue's counts (Redis)\n"
     "Schemas: docs/cli/debug-target.schema.json, debug-hub, debug-queue.\n"},
    {"db", fc_cmd_db, "database report: sizes, bloat, slow statements, unused indexes",
     "usage: fcindex db report [--json]\n\n"
     "Table and index sizes; dead rows per table (the share a VACUUM reclaims, an estimate);\n"
     "the 10 slowest statements by mean time when the pg_stat_statements extension is\n"
     "installed and loaded (else why not); indexes never scanned since the statistics were\n"
     "reset (unique ones excluded); advice: VACUUM over 20% dead rows, ANALYZE after 20%\n"
     "of rows changed or never analyzed, dropping unused indexes over 8 MiB.\n"
     "--json: docs/cli/db-report.schema.json.\n"},
    {NULL, NULL, NULL, NULL},
};
