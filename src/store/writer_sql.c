/* The writer's SQL: every prepared statement, by name and text. The row
 * statements (S_*) take one row's columns; the set-wise ones (B_*) take the
 * same columns as arrays, unnested. The conflict rules live here. */
#include "store/writer_internal.h"

/* The columns a cast add writes, for both paths. */
#define CAST_COLUMNS                                                                          \
    "INSERT INTO casts (hash, fid, \"timestamp\", text, text_had_nul, type, parent_hash, "    \
    " parent_fid, parent_url, root_parent_hash, root_parent_url, embeds, mentions, "          \
    " mentions_positions, signer) "
/* A remove that came first left a row without text: fill it, stay deleted. */
#define CAST_ADD_CONFLICT                                                                     \
    "ON CONFLICT (hash) DO UPDATE SET fid = EXCLUDED.fid, "                                   \
    "\"timestamp\" = EXCLUDED.\"timestamp\", "                                                  \
    " text = EXCLUDED.text, text_had_nul = EXCLUDED.text_had_nul, type = EXCLUDED.type, "     \
    " parent_hash = EXCLUDED.parent_hash, parent_fid = EXCLUDED.parent_fid, "                 \
    " parent_url = EXCLUDED.parent_url, root_parent_hash = EXCLUDED.root_parent_hash, "       \
    " root_parent_url = EXCLUDED.root_parent_url, embeds = EXCLUDED.embeds, "                 \
    " mentions = EXCLUDED.mentions, mentions_positions = EXCLUDED.mentions_positions, "       \
    " signer = EXCLUDED.signer WHERE casts.text IS NULL"
/* A remove always wins, whatever the timestamps; the latest remove is kept. */
#define CAST_REMOVE_CONFLICT                                                                  \
    "ON CONFLICT (hash) DO UPDATE SET deleted_at = coalesce(casts.deleted_at, now()), "       \
    " deleted_reason = CASE WHEN casts.deleted_reason IN ('revoked') THEN casts.deleted_reason " \
    "  ELSE 'removed' END, "                                                                  \
    " removed_by = CASE WHEN casts.removed_at_ts IS NULL OR (EXCLUDED.removed_at_ts, "        \
    "  EXCLUDED.removed_by) > (casts.removed_at_ts, casts.removed_by) THEN EXCLUDED.removed_by " \
    "  ELSE casts.removed_by END, "                                                           \
    " removed_at_ts = greatest(casts.removed_at_ts, EXCLUDED.removed_at_ts)"

/* CRDT for one key of the row path: the candidates are the key's live and
 * removed rows (pruned and revoked ones take no part); the winner is the
 * latest (timestamp, remove-wins-ties, hash). */
#define RESOLVE_CANDIDATES(table, key)                                                        \
    "WITH cand AS (SELECT hash, \"timestamp\", is_remove FROM " table " WHERE fid = $1 AND " \
    key " AND (deleted_reason IS NULL OR deleted_reason = 'removed')), "                      \
    "win AS (SELECT hash FROM cand ORDER BY \"timestamp\" DESC, is_remove DESC, hash DESC "    \
    "LIMIT 1) "
/* The winner survives, every other candidate is marked removed. */
#define RESOLVE_APPLY(table)                                                                  \
    "UPDATE " table " r SET deleted_at = CASE WHEN r.hash = (SELECT hash FROM win) THEN NULL " \
    " ELSE coalesce(r.deleted_at, now()) END, deleted_reason = CASE WHEN r.hash = (SELECT hash " \
    " FROM win) THEN NULL ELSE 'removed' END FROM cand WHERE r.hash = cand.hash"
/* A prune or revoke of one message ($2 the reason); a row already pruned or
 * revoked keeps its first reason. */
#define DELETE_BY_HASH(table)                                                                 \
    "UPDATE " table " SET deleted_at = coalesce(deleted_at, now()), deleted_reason = $2 "     \
    "WHERE hash = $1 AND (deleted_reason IS NULL OR deleted_reason = 'removed')"

const struct fc_writer_stmt fc_writer_stmts[S_COUNT] = {
    [S_CAST_ADD] = {"w_cast_add",
        CAST_COLUMNS
        "VALUES ($1, $2, to_timestamp($3), $4, $5, $6, $7, $8, $9, "
        " CASE WHEN $7::bytea IS NULL THEN NULL ELSE coalesce((SELECT coalesce(c.root_parent_hash, "
        "  c.hash) FROM casts c WHERE c.hash = $7::bytea), $7::bytea) END, "
        " CASE WHEN $9::text IS NOT NULL THEN $9::text "
        "  ELSE (SELECT c.root_parent_url FROM casts c WHERE c.hash = $7::bytea) END, "
        " $10, $11, $12, $13) "
        CAST_ADD_CONFLICT},
    [S_CAST_REMOVE] = {"w_cast_remove",
        "INSERT INTO casts (hash, fid, deleted_at, deleted_reason, removed_by, removed_at_ts) "
        "VALUES ($1, $2, now(), 'removed', $3, to_timestamp($4)) "
        CAST_REMOVE_CONFLICT},
    [S_CAST_DELETE] = {"w_cast_delete",
        "INSERT INTO casts (hash, fid, deleted_at, deleted_reason) VALUES ($1, $2, now(), $3) "
        "ON CONFLICT (hash) DO UPDATE SET deleted_at = coalesce(casts.deleted_at, now()), "
        " deleted_reason = coalesce(casts.deleted_reason, EXCLUDED.deleted_reason)"},
    [S_REACTION_INS] = {"w_reaction_ins",
        "INSERT INTO reactions (hash, fid, type, is_remove, target_hash, target_fid, target_url, "
        " \"timestamp\") VALUES ($1, $2, $3, $4, $5, $6, $7, to_timestamp($8)) "
        "ON CONFLICT (hash) DO NOTHING"},
    [S_REACTION_RESOLVE_CAST] = {"w_reaction_resolve_cast",
        RESOLVE_CANDIDATES("reactions", "type = $2 AND target_hash = $3")
        RESOLVE_APPLY("reactions")},
    [S_REACTION_RESOLVE_URL] = {"w_reaction_resolve_url",
        RESOLVE_CANDIDATES("reactions", "type = $2 AND target_url = $3")
        RESOLVE_APPLY("reactions")},
    [S_LINK_INS] = {"w_link_ins",
        "INSERT INTO links (hash, fid, target_fid, type, is_remove, \"timestamp\", display_timestamp) "
        "VALUES ($1, $2, $3, $4, $5, to_timestamp($6), to_timestamp($7)) ON CONFLICT (hash) DO NOTHING"},
    /* A link older than the account's compact state and not in its list
     * stays removed whatever arrives later (a replayed or late add). */
    [S_LINK_RESOLVE] = {"w_link_resolve",
        "WITH cand AS (SELECT l.hash, l.\"timestamp\", l.is_remove, coalesce(l.\"timestamp\" <= "
        " s.\"timestamp\" AND (l.is_remove OR NOT (l.target_fid = ANY(s.target_fids))), false) AS "
        " condemned FROM links l LEFT JOIN link_compact_states s ON s.fid = l.fid AND s.type = l.type "
        " WHERE l.fid = $1 AND l.type = $2 AND l.target_fid = $3 AND (l.deleted_reason IS NULL OR "
        " l.deleted_reason = 'removed')), "
        "win AS (SELECT hash FROM cand WHERE NOT condemned ORDER BY \"timestamp\" DESC, is_remove "
        " DESC, hash DESC LIMIT 1) "
        RESOLVE_APPLY("links")},
    [S_VERIF_INS] = {"w_verif_ins",
        "INSERT INTO verifications (hash, fid, address, protocol, is_remove, verification_type, "
        " chain_id, block_hash, \"timestamp\") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
        " to_timestamp($9)) ON CONFLICT (hash) DO NOTHING"},
    [S_VERIF_RESOLVE] = {"w_verif_resolve",
        RESOLVE_CANDIDATES("verifications", "address = $2") RESOLVE_APPLY("verifications")},
    [S_USER_DATA] = {"w_user_data",
        /* last write wins by (timestamp, hash) */
        "INSERT INTO user_data (fid, type, value, hash, \"timestamp\") VALUES ($1, $2, $3, $4, "
        " to_timestamp($5)) ON CONFLICT (fid, type) DO UPDATE SET value = EXCLUDED.value, "
        " hash = EXCLUDED.hash, \"timestamp\" = EXCLUDED.\"timestamp\", deleted_at = NULL, "
        " deleted_reason = NULL WHERE (EXCLUDED.\"timestamp\", EXCLUDED.hash) > "
        " (user_data.\"timestamp\", user_data.hash)"},
    [S_COMPACT_UPSERT] = {"w_compact_upsert",
        "INSERT INTO link_compact_states (fid, type, hash, \"timestamp\", target_fids) VALUES "
        " ($1, $2, $3, to_timestamp($4), $5) ON CONFLICT (fid, type) DO UPDATE SET "
        " hash = EXCLUDED.hash, \"timestamp\" = EXCLUDED.\"timestamp\", target_fids = "
        " EXCLUDED.target_fids WHERE EXCLUDED.\"timestamp\" >= link_compact_states.\"timestamp\""},
    [S_COMPACT_APPLY] = {"w_compact_apply",
        /* the compact state deletes older removes, and older adds not in its list */
        "UPDATE links SET deleted_at = coalesce(deleted_at, now()), deleted_reason = 'removed' "
        "WHERE fid = $1 AND type = $2 AND \"timestamp\" <= to_timestamp($3) AND "
        " (deleted_reason IS NULL OR deleted_reason = 'removed') AND "
        " (is_remove OR NOT (target_fid = ANY($4::bigint[])))"},
    [S_DELETE_REACTION] = {"w_delete_reaction", DELETE_BY_HASH("reactions")},
    [S_DELETE_LINK] = {"w_delete_link", DELETE_BY_HASH("links")},
    [S_DELETE_VERIF] = {"w_delete_verif", DELETE_BY_HASH("verifications")},
    [S_DELETE_USER_DATA] = {"w_delete_user_data",
        /* The pruned or revoked message becomes the field's row, deleted (a
         * tombstone), unless a newer message holds the field: the same or an
         * older message written later (a backfill that read the hub before the
         * prune) then loses to it, as in the hub's own store. */
        "INSERT INTO user_data (fid, type, value, hash, \"timestamp\", deleted_at, deleted_reason) "
        "VALUES ($1, $2, $3, $4, to_timestamp($5), now(), $6) ON CONFLICT (fid, type) DO UPDATE "
        " SET value = EXCLUDED.value, hash = EXCLUDED.hash, \"timestamp\" = EXCLUDED.\"timestamp\", "
        " deleted_at = coalesce(CASE WHEN user_data.hash = EXCLUDED.hash THEN user_data.deleted_at "
        "  END, now()), deleted_reason = EXCLUDED.deleted_reason "
        "WHERE (EXCLUDED.\"timestamp\", EXCLUDED.hash) >= (user_data.\"timestamp\", user_data.hash)"},
    [S_ONCHAIN] = {"w_onchain",
        "INSERT INTO onchain_events (chain_id, block_number, block_hash, block_timestamp, "
        " transaction_hash, log_index, tx_index, fid, type, body) VALUES ($1, $2, $3, "
        " to_timestamp($4), $5, $6, $7, $8, $9, $10) "
        "ON CONFLICT (chain_id, transaction_hash, log_index) DO NOTHING"},
    [S_SIGNER_ADD] = {"w_signer_add",
        /* the earliest add of a key names the app */
        "INSERT INTO signers (fid, key, key_type, request_fid, added_at, add_block_number, "
        " add_log_index) VALUES ($1, $2, $3, $4, to_timestamp($5), $6, $7) "
        "ON CONFLICT (fid, key) DO UPDATE SET key_type = EXCLUDED.key_type, request_fid = "
        " EXCLUDED.request_fid, added_at = EXCLUDED.added_at, add_block_number = "
        " EXCLUDED.add_block_number, add_log_index = EXCLUDED.add_log_index "
        "WHERE signers.add_block_number IS NULL OR (EXCLUDED.add_block_number, "
        " EXCLUDED.add_log_index) < (signers.add_block_number, signers.add_log_index)"},
    [S_SIGNER_REMOVE] = {"w_signer_remove",
        "INSERT INTO signers (fid, key, removed_at) VALUES ($1, $2, to_timestamp($3)) "
        "ON CONFLICT (fid, key) DO UPDATE SET removed_at = EXCLUDED.removed_at"},
    [S_CUSTODY] = {"w_custody", /* $2/$3 NULL: the event does not set that address */
        "INSERT INTO users (fid, custody_address, recovery_address, custody_event, recovery_event) "
        "VALUES ($1, $2, $3, CASE WHEN $2::bytea IS NULL THEN NULL ELSE $4::bigint END, "
        " CASE WHEN $3::bytea IS NULL THEN NULL ELSE $4::bigint END) "
        "ON CONFLICT (fid) DO UPDATE SET "
        " custody_address = CASE WHEN EXCLUDED.custody_address IS NOT NULL AND (users.custody_event "
        "  IS NULL OR EXCLUDED.custody_event >= users.custody_event) THEN EXCLUDED.custody_address "
        "  ELSE users.custody_address END, "
        " custody_event = CASE WHEN EXCLUDED.custody_address IS NOT NULL AND (users.custody_event "
        "  IS NULL OR EXCLUDED.custody_event >= users.custody_event) THEN EXCLUDED.custody_event "
        "  ELSE users.custody_event END, "
        " recovery_address = CASE WHEN EXCLUDED.recovery_address IS NOT NULL AND (users.recovery_event "
        "  IS NULL OR EXCLUDED.recovery_event >= users.recovery_event) THEN EXCLUDED.recovery_address "
        "  ELSE users.recovery_address END, "
        " recovery_event = CASE WHEN EXCLUDED.recovery_address IS NOT NULL AND (users.recovery_event "
        "  IS NULL OR EXCLUDED.recovery_event >= users.recovery_event) THEN EXCLUDED.recovery_event "
        "  ELSE users.recovery_event END"},
    [S_PROOF] = {"w_proof",
        "INSERT INTO username_proofs (name, fid, type, owner, signature, \"timestamp\", message_hash) "
        "VALUES ($1, $2, $3, $4, $5, to_timestamp($6), $7) ON CONFLICT (name) DO UPDATE SET "
        " fid = EXCLUDED.fid, type = EXCLUDED.type, owner = EXCLUDED.owner, signature = "
        " EXCLUDED.signature, \"timestamp\" = EXCLUDED.\"timestamp\", message_hash = "
        " EXCLUDED.message_hash, deleted_at = NULL "
        "WHERE EXCLUDED.\"timestamp\" >= username_proofs.\"timestamp\""},
    [S_PROOF_DELETE] = {"w_proof_delete",
        "UPDATE username_proofs SET deleted_at = now() WHERE name = $1 AND fid = $2 AND "
        " \"timestamp\" <= to_timestamp($3)"},
    [S_DEAD_LETTER] = {"w_dead_letter",
        "INSERT INTO dead_letters (source, payload, reason) VALUES ($1, $2, $3) "
        "ON CONFLICT (source, payload_digest) DO UPDATE SET last_seen = now(), "
        " attempts = dead_letters.attempts + 1, reason = EXCLUDED.reason"},
    [S_CURSOR] = {"w_cursor",
        "INSERT INTO hub_cursors (hub, shard, event_id) VALUES ($1, $2, $3) "
        "ON CONFLICT (hub, shard) DO UPDATE SET event_id = EXCLUDED.event_id, updated_at = now()"},
    [S_USERS_RECOMPUTE] = {"w_users_recompute",
        /* profiles derive from user data: latest live value per type; "" clears */
        "INSERT INTO users AS u (fid, username, display_name, pfp_url, bio, url, location, "
        " twitter, github, banner, live_at, profile_token, primary_address_ethereum, "
        " primary_address_solana, updated_at, synced_at) "
        "SELECT f, nullif(max(value) FILTER (WHERE type = 6), ''), "
        " nullif(max(value) FILTER (WHERE type = 2), ''), nullif(max(value) FILTER (WHERE type = 1), ''), "
        " nullif(max(value) FILTER (WHERE type = 3), ''), nullif(max(value) FILTER (WHERE type = 5), ''), "
        " nullif(max(value) FILTER (WHERE type = 7), ''), nullif(max(value) FILTER (WHERE type = 8), ''), "
        " nullif(max(value) FILTER (WHERE type = 9), ''), nullif(max(value) FILTER (WHERE type = 10), ''), "
        " nullif(max(value) FILTER (WHERE type = 14), ''), nullif(max(value) FILTER (WHERE type = 13), ''), "
        " decode(substr(max(value) FILTER (WHERE type = 11 AND value ~ '^0x[0-9a-fA-F]{40}$'), 3), 'hex'), "
        " fc_base58_decode(max(value) FILTER (WHERE type = 12)), "
        " max(d.\"timestamp\"), now() "
        "FROM unnest($1::bigint[]) AS f LEFT JOIN user_data d ON d.fid = f AND d.deleted_at IS NULL "
        "GROUP BY f ON CONFLICT (fid) DO UPDATE SET username = EXCLUDED.username, display_name = "
        " EXCLUDED.display_name, pfp_url = EXCLUDED.pfp_url, bio = EXCLUDED.bio, url = EXCLUDED.url, "
        " location = EXCLUDED.location, twitter = EXCLUDED.twitter, github = EXCLUDED.github, "
        " banner = EXCLUDED.banner, live_at = EXCLUDED.live_at, profile_token = "
        " EXCLUDED.profile_token, primary_address_ethereum = EXCLUDED.primary_address_ethereum, "
        " primary_address_solana = EXCLUDED.primary_address_solana, "
        " updated_at = EXCLUDED.updated_at, synced_at = now()"},
    [S_APP_RECOMPUTE] = {"w_app_recompute",
        /* the app the user signed up through: request fid of the earliest signer add */
        "UPDATE users u SET app_fid = (SELECT s.request_fid FROM signers s WHERE s.fid = u.fid AND "
        " s.add_block_number IS NOT NULL ORDER BY s.add_block_number, s.add_log_index LIMIT 1) "
        "WHERE u.fid = ANY($1::bigint[])"},
    /* One owner per fid at a time: every writer transaction first takes a
     * transaction lock per fid whose rows it writes, in ascending fid order,
     * so two writers touching the same fid serialize instead of deadlocking
     * on row locks taken in different orders (docs/architecture.md). The
     * keys sit at 2^62 + fid, away from the follower lock's key. */
    [S_LOCK_FIDS] = {"w_lock_fids",
        "SELECT count(pg_advisory_xact_lock(4611686018427387904 + k)) "
        "FROM unnest($1::bigint[]) AS k"},
    /* Set-wise forms of the statements above, one per page and kind, with
     * every column passed as an array (batched mode). */
    [B_CAST_ADD] = {"w_b_cast_add",
        CAST_COLUMNS
        "SELECT DISTINCT ON (u.hash) u.hash, u.fid, to_timestamp(u.ts), u.text, u.nul, u.type, "
        " u.ph, u.pf, u.pu, CASE WHEN u.ph IS NULL THEN NULL ELSE coalesce((SELECT "
        " coalesce(c.root_parent_hash, c.hash) FROM casts c WHERE c.hash = u.ph), u.ph) END, "
        " CASE WHEN u.pu IS NOT NULL THEN u.pu ELSE (SELECT c.root_parent_url FROM casts c "
        " WHERE c.hash = u.ph) END, u.embeds::jsonb, u.mentions::bigint[], u.positions::int[], "
        " u.signer "
        "FROM unnest($1::bytea[], $2::bigint[], $3::bigint[], $4::text[], $5::bool[], "
        " $6::smallint[], $7::bytea[], $8::bigint[], $9::text[], $10::text[], $11::text[], "
        " $12::text[], $13::bytea[]) AS u(hash, fid, ts, text, nul, type, ph, pf, pu, embeds, "
        " mentions, positions, signer) ORDER BY u.hash "
        CAST_ADD_CONFLICT},
    [B_CAST_REMOVE] = {"w_b_cast_remove",
        "INSERT INTO casts (hash, fid, deleted_at, deleted_reason, removed_by, removed_at_ts) "
        "SELECT DISTINCT ON (u.t) u.t, u.fid, now(), 'removed', u.r, to_timestamp(u.ts) "
        "FROM unnest($1::bytea[], $2::bigint[], $3::bytea[], $4::bigint[]) AS u(t, fid, r, ts) "
        "ORDER BY u.t, u.ts DESC, u.r DESC "
        CAST_REMOVE_CONFLICT},
    [B_REACTION_INS] = {"w_b_reaction_ins",
        "INSERT INTO reactions (hash, fid, type, is_remove, target_hash, target_fid, target_url, "
        " \"timestamp\") SELECT u.hash, u.fid, u.type, u.rm, u.th, u.tf, u.tu, to_timestamp(u.ts) "
        "FROM unnest($1::bytea[], $2::bigint[], $3::smallint[], $4::bool[], $5::bytea[], "
        " $6::bigint[], $7::text[], $8::bigint[]) AS u(hash, fid, type, rm, th, tf, tu, ts) "
        "ON CONFLICT (hash) DO NOTHING"},
    [B_REACTION_RESOLVE] = {"w_b_reaction_resolve",
        "WITH keys AS (SELECT DISTINCT u.fid, u.type, u.th, u.tu FROM unnest($1::bigint[], "
        " $2::smallint[], $3::bytea[], $4::text[]) AS u(fid, type, th, tu)), "
        /* one branch per kind of target: an OR in the join would keep
         * PostgreSQL from using either key index */
        "cand AS (SELECT r.hash, row_number() OVER (PARTITION BY r.fid, r.type, r.target_hash "
        "  ORDER BY r.\"timestamp\" DESC, r.is_remove DESC, r.hash DESC) AS rn "
        " FROM reactions r JOIN keys k ON r.fid = k.fid AND r.type = k.type AND "
        "  r.target_hash = k.th WHERE k.th IS NOT NULL AND (r.deleted_reason IS NULL OR "
        "  r.deleted_reason = 'removed') "
        " UNION ALL SELECT r.hash, row_number() OVER (PARTITION BY r.fid, r.type, r.target_url "
        "  ORDER BY r.\"timestamp\" DESC, r.is_remove DESC, r.hash DESC) AS rn "
        " FROM reactions r JOIN keys k ON r.fid = k.fid AND r.type = k.type AND "
        "  r.target_url = k.tu WHERE k.tu IS NOT NULL AND (r.deleted_reason IS NULL OR "
        "  r.deleted_reason = 'removed')) "
        "UPDATE reactions r SET deleted_at = CASE WHEN c.rn = 1 THEN NULL ELSE coalesce(r.deleted_at, "
        " now()) END, deleted_reason = CASE WHEN c.rn = 1 THEN NULL ELSE 'removed' END "
        "FROM cand c WHERE r.hash = c.hash AND ((c.rn = 1) <> (r.deleted_at IS NULL) OR "
        " (c.rn > 1 AND r.deleted_reason IS NULL))"},
    [B_LINK_INS] = {"w_b_link_ins",
        "INSERT INTO links (hash, fid, target_fid, type, is_remove, \"timestamp\", display_timestamp) "
        "SELECT u.hash, u.fid, u.tf, u.type, u.rm, to_timestamp(u.ts), to_timestamp(u.dts) "
        "FROM unnest($1::bytea[], $2::bigint[], $3::bigint[], $4::text[], $5::bool[], $6::bigint[], "
        " $7::bigint[]) AS u(hash, fid, tf, type, rm, ts, dts) ON CONFLICT (hash) DO NOTHING"},
    [B_LINK_RESOLVE] = {"w_b_link_resolve",
        "WITH keys AS (SELECT DISTINCT u.fid, u.type, u.tf FROM unnest($1::bigint[], $2::text[], "
        " $3::bigint[]) AS u(fid, type, tf)), "
        "judged AS (SELECT r.*, coalesce(r.\"timestamp\" <= s.\"timestamp\" AND (r.is_remove OR "
        "  NOT (r.target_fid = ANY(s.target_fids))), false) AS condemned FROM links r JOIN keys k "
        "  ON r.fid = k.fid AND r.type = k.type AND r.target_fid = k.tf "
        "  LEFT JOIN link_compact_states s ON s.fid = r.fid AND s.type = r.type "
        " WHERE r.deleted_reason IS NULL OR r.deleted_reason = 'removed'), "
        "cand AS (SELECT j.hash, row_number() OVER (PARTITION BY j.fid, j.type, j.target_fid, "
        "  j.condemned ORDER BY j.\"timestamp\" DESC, j.is_remove DESC, j.hash DESC) = 1 AND NOT "
        "  j.condemned AS alive FROM judged j) "
        "UPDATE links r SET deleted_at = CASE WHEN c.alive THEN NULL ELSE coalesce(r.deleted_at, "
        " now()) END, deleted_reason = CASE WHEN c.alive THEN NULL ELSE 'removed' END "
        "FROM cand c WHERE r.hash = c.hash AND (c.alive <> (r.deleted_at IS NULL) OR "
        " (NOT c.alive AND r.deleted_reason IS NULL))"},
    [B_VERIF_INS] = {"w_b_verif_ins",
        "INSERT INTO verifications (hash, fid, address, protocol, is_remove, verification_type, "
        " chain_id, block_hash, \"timestamp\") SELECT u.hash, u.fid, u.addr, u.proto, u.rm, u.vt, "
        " u.chain, u.bh, to_timestamp(u.ts) FROM unnest($1::bytea[], $2::bigint[], $3::bytea[], "
        " $4::smallint[], $5::bool[], $6::smallint[], $7::int[], $8::bytea[], $9::bigint[]) "
        " AS u(hash, fid, addr, proto, rm, vt, chain, bh, ts) ON CONFLICT (hash) DO NOTHING"},
    [B_VERIF_RESOLVE] = {"w_b_verif_resolve",
        "WITH keys AS (SELECT DISTINCT u.fid, u.addr FROM unnest($1::bigint[], $2::bytea[]) "
        " AS u(fid, addr)), "
        "cand AS (SELECT r.hash, row_number() OVER (PARTITION BY r.fid, r.address ORDER BY "
        "  r.\"timestamp\" DESC, r.is_remove DESC, r.hash DESC) AS rn FROM verifications r JOIN "
        "  keys k ON r.fid = k.fid AND r.address = k.addr "
        " WHERE r.deleted_reason IS NULL OR r.deleted_reason = 'removed') "
        "UPDATE verifications r SET deleted_at = CASE WHEN c.rn = 1 THEN NULL ELSE "
        " coalesce(r.deleted_at, now()) END, deleted_reason = CASE WHEN c.rn = 1 THEN NULL ELSE "
        " 'removed' END FROM cand c WHERE r.hash = c.hash AND ((c.rn = 1) <> (r.deleted_at IS NULL) "
        " OR (c.rn > 1 AND r.deleted_reason IS NULL))"},
    [B_USER_DATA] = {"w_b_user_data",
        "INSERT INTO user_data (fid, type, value, hash, \"timestamp\") "
        "SELECT DISTINCT ON (u.fid, u.type) u.fid, u.type, u.value, u.hash, to_timestamp(u.ts) "
        "FROM unnest($1::bigint[], $2::smallint[], $3::text[], $4::bytea[], $5::bigint[]) "
        " AS u(fid, type, value, hash, ts) ORDER BY u.fid, u.type, u.ts DESC, u.hash DESC "
        "ON CONFLICT (fid, type) DO UPDATE SET value = EXCLUDED.value, hash = EXCLUDED.hash, "
        " \"timestamp\" = EXCLUDED.\"timestamp\", deleted_at = NULL, deleted_reason = NULL "
        "WHERE (EXCLUDED.\"timestamp\", EXCLUDED.hash) > (user_data.\"timestamp\", user_data.hash)"},
};
