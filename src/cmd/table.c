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
     "usage: fcindex migrate [status]\n\n"
     "Applies the SQL migrations embedded in this binary to database.url (DATABASE_URL), each\n"
     "in a transaction, under an advisory lock so concurrent runs are safe; a second run is a\n"
     "no-op. A database whose schema is newer than this binary is refused.\n"
     "  status   list applied and pending migrations\n"},
    {"decode", fc_cmd_decode, "decode one hub response into JSON lines",
     "usage: fcindex decode [FILE|-] [--flavour snapchain|hubble] [--kind KIND]\n\n"
     "Reads one hub HTTP response (a message page, a single message, an events page, an\n"
     "on-chain events page, a username-proof page or a fids page) and prints one JSON line\n"
     "per item in the shape documented in docs/decode.md. Malformed items print as\n"
     "{\"kind\":\"error\",\"path\":...,\"error\":...} and decoding goes on. Exit 0 when every\n"
     "item decoded, 1 otherwise. KIND: auto (default), messages, events, onchain, proofs, fids.\n"},
    {NULL, NULL, NULL, NULL},
};
