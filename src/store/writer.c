#include "store/writer.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/fctime.h"
#include "core/hex.h"
#include "fc/decode.h"
#include "fc/emit.h"

/* Prepared statements, by name and text. */
enum stmt {
    S_CAST_ADD, S_CAST_REMOVE, S_CAST_DELETE, S_REACTION_INS, S_REACTION_RESOLVE_CAST,
    S_REACTION_RESOLVE_URL, S_LINK_INS, S_LINK_RESOLVE, S_VERIF_INS, S_VERIF_RESOLVE,
    S_USER_DATA, S_COMPACT_UPSERT, S_COMPACT_APPLY, S_DELETE_REACTION, S_DELETE_LINK,
    S_DELETE_VERIF, S_DELETE_USER_DATA, S_ONCHAIN, S_SIGNER_ADD, S_SIGNER_REMOVE, S_CUSTODY,
    S_PROOF, S_PROOF_DELETE, S_DEAD_LETTER, S_CURSOR, S_USERS_RECOMPUTE, S_APP_RECOMPUTE,
    B_CAST_ADD, B_CAST_REMOVE, B_REACTION_INS, B_REACTION_RESOLVE, B_LINK_INS, B_LINK_RESOLVE,
    B_VERIF_INS, B_VERIF_RESOLVE, B_USER_DATA, S_MARK_SYNCED, S_LOCK_FIDS,
    S_COUNT,
};

static const struct {
    const char *name;
    const char *sql;
} stmts[S_COUNT] = {
    [S_CAST_ADD] = {"w_cast_add",
        "INSERT INTO casts (hash, fid, \"timestamp\", text, text_had_nul, type, parent_hash, "
        " parent_fid, parent_url, root_parent_hash, root_parent_url, embeds, mentions, "
        " mentions_positions, signer) "
        "VALUES ($1, $2, to_timestamp($3), $4, $5, $6, $7, $8, $9, "
        " CASE WHEN $7::bytea IS NULL THEN NULL ELSE coalesce((SELECT coalesce(c.root_parent_hash, "
        "  c.hash) FROM casts c WHERE c.hash = $7::bytea), $7::bytea) END, "
        " CASE WHEN $9::text IS NOT NULL THEN $9::text "
        "  ELSE (SELECT c.root_parent_url FROM casts c WHERE c.hash = $7::bytea) END, "
        " $10, $11, $12, $13) "
        /* a remove that came first left a row without text: fill it, stay deleted */
        "ON CONFLICT (hash) DO UPDATE SET fid = EXCLUDED.fid, \"timestamp\" = EXCLUDED.\"timestamp\", "
        " text = EXCLUDED.text, text_had_nul = EXCLUDED.text_had_nul, type = EXCLUDED.type, "
        " parent_hash = EXCLUDED.parent_hash, parent_fid = EXCLUDED.parent_fid, "
        " parent_url = EXCLUDED.parent_url, root_parent_hash = EXCLUDED.root_parent_hash, "
        " root_parent_url = EXCLUDED.root_parent_url, embeds = EXCLUDED.embeds, "
        " mentions = EXCLUDED.mentions, mentions_positions = EXCLUDED.mentions_positions, "
        " signer = EXCLUDED.signer WHERE casts.text IS NULL"},
    [S_CAST_REMOVE] = {"w_cast_remove",
        /* remove always wins, whatever the timestamps; the latest remove is kept */
        "INSERT INTO casts (hash, fid, deleted_at, deleted_reason, removed_by, removed_at_ts) "
        "VALUES ($1, $2, now(), 'removed', $3, to_timestamp($4)) "
        "ON CONFLICT (hash) DO UPDATE SET deleted_at = coalesce(casts.deleted_at, now()), "
        " deleted_reason = CASE WHEN casts.deleted_reason IN ('revoked') THEN casts.deleted_reason "
        "  ELSE 'removed' END, "
        " removed_by = CASE WHEN casts.removed_at_ts IS NULL OR (EXCLUDED.removed_at_ts, "
        "  EXCLUDED.removed_by) > (casts.removed_at_ts, casts.removed_by) THEN EXCLUDED.removed_by "
        "  ELSE casts.removed_by END, "
        " removed_at_ts = greatest(casts.removed_at_ts, EXCLUDED.removed_at_ts)"},
    [S_CAST_DELETE] = {"w_cast_delete",
        "INSERT INTO casts (hash, fid, deleted_at, deleted_reason) VALUES ($1, $2, now(), $3) "
        "ON CONFLICT (hash) DO UPDATE SET deleted_at = coalesce(casts.deleted_at, now()), "
        " deleted_reason = coalesce(casts.deleted_reason, EXCLUDED.deleted_reason)"},
    [S_REACTION_INS] = {"w_reaction_ins",
        "INSERT INTO reactions (hash, fid, type, is_remove, target_hash, target_fid, target_url, "
        " \"timestamp\") VALUES ($1, $2, $3, $4, $5, $6, $7, to_timestamp($8)) "
        "ON CONFLICT (hash) DO NOTHING"},
    /* CRDT for one key: the latest (timestamp, remove-wins-ties, hash) survives,
     * every other add/remove of the key is marked removed. Pruned and revoked
     * rows take no part. */
    [S_REACTION_RESOLVE_CAST] = {"w_reaction_resolve_cast",
        "WITH cand AS (SELECT hash, \"timestamp\", is_remove FROM reactions WHERE fid = $1 AND "
        " type = $2 AND target_hash = $3 AND (deleted_reason IS NULL OR deleted_reason = 'removed')), "
        "win AS (SELECT hash FROM cand ORDER BY \"timestamp\" DESC, is_remove DESC, hash DESC LIMIT 1) "
        "UPDATE reactions r SET deleted_at = CASE WHEN r.hash = (SELECT hash FROM win) THEN NULL "
        " ELSE coalesce(r.deleted_at, now()) END, deleted_reason = CASE WHEN r.hash = (SELECT hash "
        " FROM win) THEN NULL ELSE 'removed' END FROM cand WHERE r.hash = cand.hash"},
    [S_REACTION_RESOLVE_URL] = {"w_reaction_resolve_url",
        "WITH cand AS (SELECT hash, \"timestamp\", is_remove FROM reactions WHERE fid = $1 AND "
        " type = $2 AND target_url = $3 AND (deleted_reason IS NULL OR deleted_reason = 'removed')), "
        "win AS (SELECT hash FROM cand ORDER BY \"timestamp\" DESC, is_remove DESC, hash DESC LIMIT 1) "
        "UPDATE reactions r SET deleted_at = CASE WHEN r.hash = (SELECT hash FROM win) THEN NULL "
        " ELSE coalesce(r.deleted_at, now()) END, deleted_reason = CASE WHEN r.hash = (SELECT hash "
        " FROM win) THEN NULL ELSE 'removed' END FROM cand WHERE r.hash = cand.hash"},
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
        "UPDATE links r SET deleted_at = CASE WHEN r.hash = (SELECT hash FROM win) THEN NULL "
        " ELSE coalesce(r.deleted_at, now()) END, deleted_reason = CASE WHEN r.hash = (SELECT hash "
        " FROM win) THEN NULL ELSE 'removed' END FROM cand WHERE r.hash = cand.hash"},
    [S_VERIF_INS] = {"w_verif_ins",
        "INSERT INTO verifications (hash, fid, address, protocol, is_remove, verification_type, "
        " chain_id, block_hash, \"timestamp\") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
        " to_timestamp($9)) ON CONFLICT (hash) DO NOTHING"},
    [S_VERIF_RESOLVE] = {"w_verif_resolve",
        "WITH cand AS (SELECT hash, \"timestamp\", is_remove FROM verifications WHERE fid = $1 AND "
        " address = $2 AND (deleted_reason IS NULL OR deleted_reason = 'removed')), "
        "win AS (SELECT hash FROM cand ORDER BY \"timestamp\" DESC, is_remove DESC, hash DESC LIMIT 1) "
        "UPDATE verifications r SET deleted_at = CASE WHEN r.hash = (SELECT hash FROM win) THEN NULL "
        " ELSE coalesce(r.deleted_at, now()) END, deleted_reason = CASE WHEN r.hash = (SELECT hash "
        " FROM win) THEN NULL ELSE 'removed' END FROM cand WHERE r.hash = cand.hash"},
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
    [S_DELETE_REACTION] = {"w_delete_reaction",
        "UPDATE reactions SET deleted_at = coalesce(deleted_at, now()), deleted_reason = $2 "
        "WHERE hash = $1 AND (deleted_reason IS NULL OR deleted_reason = 'removed')"},
    [S_DELETE_LINK] = {"w_delete_link",
        "UPDATE links SET deleted_at = coalesce(deleted_at, now()), deleted_reason = $2 "
        "WHERE hash = $1 AND (deleted_reason IS NULL OR deleted_reason = 'removed')"},
    [S_DELETE_VERIF] = {"w_delete_verif",
        "UPDATE verifications SET deleted_at = coalesce(deleted_at, now()), deleted_reason = $2 "
        "WHERE hash = $1 AND (deleted_reason IS NULL OR deleted_reason = 'removed')"},
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
    [S_MARK_SYNCED] = {"w_mark_synced",
        "UPDATE targets SET last_synced_at = now(), last_error = NULL, backfill_started_at = NULL "
        "WHERE fid = $1"},
    /* Set-wise forms of the statements above, one per page and kind, with
     * every column passed as an array (batched mode). */
    [B_CAST_ADD] = {"w_b_cast_add",
        "INSERT INTO casts (hash, fid, \"timestamp\", text, text_had_nul, type, parent_hash, "
        " parent_fid, parent_url, root_parent_hash, root_parent_url, embeds, mentions, "
        " mentions_positions, signer) "
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
        "ON CONFLICT (hash) DO UPDATE SET fid = EXCLUDED.fid, \"timestamp\" = EXCLUDED.\"timestamp\", "
        " text = EXCLUDED.text, text_had_nul = EXCLUDED.text_had_nul, type = EXCLUDED.type, "
        " parent_hash = EXCLUDED.parent_hash, parent_fid = EXCLUDED.parent_fid, "
        " parent_url = EXCLUDED.parent_url, root_parent_hash = EXCLUDED.root_parent_hash, "
        " root_parent_url = EXCLUDED.root_parent_url, embeds = EXCLUDED.embeds, "
        " mentions = EXCLUDED.mentions, mentions_positions = EXCLUDED.mentions_positions, "
        " signer = EXCLUDED.signer WHERE casts.text IS NULL"},
    [B_CAST_REMOVE] = {"w_b_cast_remove",
        "INSERT INTO casts (hash, fid, deleted_at, deleted_reason, removed_by, removed_at_ts) "
        "SELECT DISTINCT ON (u.t) u.t, u.fid, now(), 'removed', u.r, to_timestamp(u.ts) "
        "FROM unnest($1::bytea[], $2::bigint[], $3::bytea[], $4::bigint[]) AS u(t, fid, r, ts) "
        "ORDER BY u.t, u.ts DESC, u.r DESC "
        "ON CONFLICT (hash) DO UPDATE SET deleted_at = coalesce(casts.deleted_at, now()), "
        " deleted_reason = CASE WHEN casts.deleted_reason IN ('revoked') THEN casts.deleted_reason "
        "  ELSE 'removed' END, "
        " removed_by = CASE WHEN casts.removed_at_ts IS NULL OR (EXCLUDED.removed_at_ts, "
        "  EXCLUDED.removed_by) > (casts.removed_at_ts, casts.removed_by) THEN EXCLUDED.removed_by "
        "  ELSE casts.removed_by END, "
        " removed_at_ts = greatest(casts.removed_at_ts, EXCLUDED.removed_at_ts)"},
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

/* One array parameter being built as PostgreSQL array text: {a,"b",NULL}. */
struct col {
    struct fc_buf b;
    size_t n;
};

enum { BC_CAST_ADD, BC_CAST_REMOVE, BC_REACTION, BC_LINK, BC_VERIF, BC_USER_DATA, BC_KINDS };
#define MAX_COLS 13

struct fc_writer {
    struct fc_db *db;
    PGconn *conn;
    bool in_tx;
    bool pipelined;     /* configured */
    bool in_pipeline;   /* this transaction is being pipelined */
    size_t sent;        /* statements awaiting their results */
    bool batched;           /* messages are gathered and written set-wise at commit */
    struct col cols[BC_KINDS][MAX_COLS];
    size_t batch_rows[BC_KINDS];
    struct fc_buf touched;  /* "{1,2,3}" array text of fids whose derived rows need refresh */
    size_t n_touched;
    uint64_t statements;
    bool conflicted; /* the transaction failed on a deadlock or serialization failure */
};

/* SQLSTATEs after which the same transaction may simply be run again. */
static void note_failure(struct fc_writer *w, const PGresult *r)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    if (state && (strcmp(state, "40P01") == 0 || strcmp(state, "40001") == 0))
        w->conflicted = true;
}

#define MAX_PARAMS 16

struct params {
    const char *v[MAX_PARAMS];
    int len[MAX_PARAMS];
    int fmt[MAX_PARAMS];
    char buf[MAX_PARAMS][96];
    int n;
};

static void p_null(struct params *p)
{
    p->v[p->n] = NULL;
    p->len[p->n] = 0;
    p->fmt[p->n] = 0;
    p->n++;
}

static void p_text(struct params *p, const char *s)
{
    if (!s) {
        p_null(p);
        return;
    }
    p->v[p->n] = s;
    p->len[p->n] = 0;
    p->fmt[p->n] = 0;
    p->n++;
}

static void p_u64(struct params *p, uint64_t v)
{
    snprintf(p->buf[p->n], sizeof(p->buf[p->n]), "%llu", (unsigned long long)v);
    p_text(p, p->buf[p->n]);
}

static void p_bool(struct params *p, bool v)
{
    p_text(p, v ? "t" : "f");
}

/* bytea as binary, so no hex round trip. */
static void p_bytes(struct params *p, const uint8_t *b, size_t n)
{
    p->v[p->n] = (const char *)b;
    p->len[p->n] = (int)n;
    p->fmt[p->n] = 1;
    p->n++;
}

static enum fc_err run(struct fc_writer *w, enum stmt s, struct params *p, struct fc_diag *diag)
{
    if (w->in_pipeline) {
        w->statements++;
        if (!PQsendQueryPrepared(w->conn, stmts[s].name, p->n, p->v, p->len, p->fmt, 0))
            return fc_diag_set(diag, FC_ERR_DB, "%s: %s", stmts[s].name, PQerrorMessage(w->conn));
        w->sent++;
        return FC_OK;
    }
    PGresult *r = PQexecPrepared(w->conn, stmts[s].name, p->n, p->v, p->len, p->fmt, 0);
    ExecStatusType st = PQresultStatus(r);
    enum fc_err err = FC_OK;
    w->statements++;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        note_failure(w, r);
        err = fc_diag_set(diag, FC_ERR_DB, "%s: %s", stmts[s].name, PQresultErrorMessage(r));
    }
    PQclear(r);
    return err;
}

enum fc_err fc_writer_new(struct fc_db *db, struct fc_writer **out, struct fc_diag *diag)
{
    PGconn *conn = fc_db_pgconn(db);
    for (int i = 0; i < S_COUNT; i++) {
        PGresult *r = PQprepare(conn, stmts[i].name, stmts[i].sql, 0, NULL);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            enum fc_err e = fc_diag_set(diag, FC_ERR_DB, "prepare %s: %s", stmts[i].name,
                                        PQresultErrorMessage(r));
            PQclear(r);
            return e;
        }
        PQclear(r);
    }
    struct fc_writer *w = fc_xcalloc(1, sizeof(*w));
    w->db = db;
    w->conn = conn;
    *out = w;
    return FC_OK;
}

void fc_writer_free(struct fc_writer *w)
{
    if (!w)
        return;
    if (w->in_tx)
        fc_writer_rollback(w);
    fc_buf_cleanup(&w->touched);
    for (int k = 0; k < BC_KINDS; k++)
        for (int c = 0; c < MAX_COLS; c++)
            fc_buf_cleanup(&w->cols[k][c].b);
    free(w);
}

uint64_t fc_writer_statements(const struct fc_writer *w)
{
    return w->statements;
}

static void touch(struct fc_writer *w, uint64_t fid)
{
    fc_buf_printf(&w->touched, "%s%llu", w->n_touched ? "," : "", (unsigned long long)fid);
    w->n_touched++;
}

void fc_writer_set_pipelined(struct fc_writer *w, bool on)
{
    w->pipelined = on;
}


/* Cast embeds as the jsonb stored in casts.embeds, and mentions and
 * positions as array text; shared by the row and set-wise paths. */
static void cast_columns(const struct fc_message *m, struct fc_buf *embeds, struct fc_buf *mentions,
                         struct fc_buf *positions)
{
    const __typeof__(m->body.cast_add) *c = &m->body.cast_add;
    fc_buf_putc(embeds, '[');
    for (size_t i = 0; i < c->n_embeds; i++) {
        if (i)
            fc_buf_putc(embeds, ',');
        if (c->embeds[i].is_cast) {
            char hex[43];
            fc_hex_encode(c->embeds[i].cast.hash, 20, hex);
            fc_buf_printf(embeds, "{\"cast_id\":{\"fid\":%llu,\"hash\":\"%s\"}}",
                          (unsigned long long)c->embeds[i].cast.fid, hex);
        } else {
            fc_buf_puts(embeds, "{\"url\":");
            fc_buf_json_str(embeds, c->embeds[i].url, c->embeds[i].url_len);
            fc_buf_putc(embeds, '}');
        }
    }
    fc_buf_putc(embeds, ']');
    fc_buf_putc(mentions, '{');
    for (size_t i = 0; i < c->n_mentions; i++)
        fc_buf_printf(mentions, "%s%llu", i ? "," : "", (unsigned long long)c->mentions[i]);
    fc_buf_putc(mentions, '}');
    fc_buf_putc(positions, '{');
    for (size_t i = 0; i < c->n_positions; i++)
        fc_buf_printf(positions, "%s%u", i ? "," : "", c->positions[i]);
    fc_buf_putc(positions, '}');
}

static void col_sep(struct col *c)
{
    fc_buf_putc(&c->b, c->n++ ? ',' : '{');
}

static void col_null(struct col *c)
{
    col_sep(c);
    fc_buf_puts(&c->b, "NULL");
}

static void col_text(struct col *c, const char *s, size_t n)
{
    if (!s) {
        col_null(c);
        return;
    }
    col_sep(c);
    fc_buf_putc(&c->b, '"');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"' || s[i] == '\\')
            fc_buf_putc(&c->b, '\\');
        fc_buf_putc(&c->b, s[i]);
    }
    fc_buf_putc(&c->b, '"');
}

static void col_cstr(struct col *c, const char *s)
{
    col_text(c, s, s ? strlen(s) : 0);
}

static void col_u64(struct col *c, uint64_t v)
{
    col_sep(c);
    fc_buf_printf(&c->b, "%llu", (unsigned long long)v);
}

static void col_bool(struct col *c, bool v)
{
    col_sep(c);
    fc_buf_putc(&c->b, v ? 't' : 'f');
}

static void col_bytes(struct col *c, const uint8_t *p, size_t n)
{
    if (!p) {
        col_null(c);
        return;
    }
    /* "\\x0102" inside the array literal is the bytea text \x0102 */
    col_sep(c);
    fc_buf_puts(&c->b, "\"\\\\x");
    char hex[3];
    for (size_t i = 0; i < n; i++) {
        snprintf(hex, sizeof(hex), "%02x", p[i]);
        fc_buf_append(&c->b, hex, 2);
    }
    fc_buf_putc(&c->b, '"');
}

static const char *col_done(struct col *c)
{
    if (!c->n)
        fc_buf_puts(&c->b, "{");
    fc_buf_putc(&c->b, '}');
    return c->b.data;
}

void fc_writer_set_batched(struct fc_writer *w, bool on)
{
    w->batched = on;
}

static void batch_reset(struct fc_writer *w)
{
    for (int k = 0; k < BC_KINDS; k++) {
        for (int c = 0; c < MAX_COLS; c++) {
            fc_buf_reset(&w->cols[k][c].b);
            w->cols[k][c].n = 0;
        }
        w->batch_rows[k] = 0;
    }
}

static enum fc_err run(struct fc_writer *w, enum stmt s, struct params *p, struct fc_diag *diag);

/* Sends a kind's gathered rows as one statement (columns as arrays). */
static enum fc_err batch_send(struct fc_writer *w, int kind, enum stmt st, int ncols,
                              struct fc_diag *diag)
{
    struct params p = {.n = 0};
    for (int c = 0; c < ncols; c++)
        p_text(&p, col_done(&w->cols[kind][c]));
    return run(w, st, &p, diag);
}

/* Sends a resolve statement over some key columns of a kind's rows. */
static enum fc_err batch_resolve(struct fc_writer *w, int kind, enum stmt st, const int *cols,
                                 int n, struct fc_diag *diag)
{
    struct params p = {.n = 0};
    for (int i = 0; i < n; i++)
        p_text(&p, w->cols[kind][cols[i]].b.data); /* already closed by batch_send */
    return run(w, st, &p, diag);
}

static enum fc_err batch_flush(struct fc_writer *w, struct fc_diag *diag)
{
    enum fc_err err = FC_OK;
    if (w->batch_rows[BC_CAST_ADD])
        err = batch_send(w, BC_CAST_ADD, B_CAST_ADD, 13, diag);
    if (!err && w->batch_rows[BC_CAST_REMOVE])
        err = batch_send(w, BC_CAST_REMOVE, B_CAST_REMOVE, 4, diag);
    if (!err && w->batch_rows[BC_REACTION]) {
        /* columns: 0 hash 1 fid 2 type 3 rm 4 th 5 tf 6 tu 7 ts */
        static const int key[] = {1, 2, 4, 6};
        err = batch_send(w, BC_REACTION, B_REACTION_INS, 8, diag);
        if (!err)
            err = batch_resolve(w, BC_REACTION, B_REACTION_RESOLVE, key, 4, diag);
    }
    if (!err && w->batch_rows[BC_LINK]) {
        /* columns: 0 hash 1 fid 2 tf 3 type 4 rm 5 ts 6 dts */
        static const int key[] = {1, 3, 2};
        err = batch_send(w, BC_LINK, B_LINK_INS, 7, diag);
        if (!err)
            err = batch_resolve(w, BC_LINK, B_LINK_RESOLVE, key, 3, diag);
    }
    if (!err && w->batch_rows[BC_VERIF]) {
        /* columns: 0 hash 1 fid 2 addr 3 proto 4 rm 5 vt 6 chain 7 bh 8 ts */
        static const int key[] = {1, 2};
        err = batch_send(w, BC_VERIF, B_VERIF_INS, 9, diag);
        if (!err)
            err = batch_resolve(w, BC_VERIF, B_VERIF_RESOLVE, key, 2, diag);
    }
    if (!err && w->batch_rows[BC_USER_DATA])
        err = batch_send(w, BC_USER_DATA, B_USER_DATA, 5, diag);
    batch_reset(w);
    return err;
}

/* Gathers a message for the set-wise statements; false when its kind is
 * not batched (the row-at-a-time path handles it). */
static bool batch_add(struct fc_writer *w, const struct fc_message *m)
{
    int64_t ts = fc_time_to_unix(m->fc_ts);
    switch (m->type) {
    case FC_MSG_CAST_ADD: {
        const __typeof__(m->body.cast_add) *c = &m->body.cast_add;
        struct col *k = w->cols[BC_CAST_ADD];
        struct fc_buf tmp = FC_BUF_INIT;
        col_bytes(&k[0], m->hash, 20);
        col_u64(&k[1], m->fid);
        col_u64(&k[2], (uint64_t)ts);
        col_text(&k[3], c->text, c->text_len);
        col_bool(&k[4], c->text_had_nul);
        col_u64(&k[5], (uint64_t)c->cast_type);
        col_bytes(&k[6], c->has_parent_cast ? c->parent.hash : NULL, 20);
        if (c->has_parent_cast)
            col_u64(&k[7], c->parent.fid);
        else
            col_null(&k[7]);
        col_text(&k[8], c->parent_url, c->parent_url_len);
        struct fc_buf mentions = FC_BUF_INIT, positions = FC_BUF_INIT;
        cast_columns(m, &tmp, &mentions, &positions);
        col_text(&k[9], tmp.data, tmp.len);
        col_text(&k[10], mentions.data, mentions.len);
        col_text(&k[11], positions.data, positions.len);
        fc_buf_cleanup(&tmp);
        fc_buf_cleanup(&mentions);
        fc_buf_cleanup(&positions);
        col_bytes(&k[12], m->signer_len ? m->signer : NULL, m->signer_len);
        w->batch_rows[BC_CAST_ADD]++;
        return true;
    }
    case FC_MSG_CAST_REMOVE: {
        struct col *k = w->cols[BC_CAST_REMOVE];
        col_bytes(&k[0], m->body.cast_remove.target_hash, 20);
        col_u64(&k[1], m->fid);
        col_bytes(&k[2], m->hash, 20);
        col_u64(&k[3], (uint64_t)ts);
        w->batch_rows[BC_CAST_REMOVE]++;
        return true;
    }
    case FC_MSG_REACTION_ADD:
    case FC_MSG_REACTION_REMOVE: {
        const __typeof__(m->body.reaction) *r = &m->body.reaction;
        struct col *k = w->cols[BC_REACTION];
        col_bytes(&k[0], m->hash, 20);
        col_u64(&k[1], m->fid);
        col_u64(&k[2], (uint64_t)r->reaction_type);
        col_bool(&k[3], m->type == FC_MSG_REACTION_REMOVE);
        col_bytes(&k[4], r->has_target_cast ? r->target.hash : NULL, 20);
        if (r->has_target_cast)
            col_u64(&k[5], r->target.fid);
        else
            col_null(&k[5]);
        col_text(&k[6], r->has_target_cast ? NULL : r->target_url, r->target_url_len);
        col_u64(&k[7], (uint64_t)ts);
        w->batch_rows[BC_REACTION]++;
        return true;
    }
    case FC_MSG_LINK_ADD:
    case FC_MSG_LINK_REMOVE: {
        const __typeof__(m->body.link) *l = &m->body.link;
        struct col *k = w->cols[BC_LINK];
        col_bytes(&k[0], m->hash, 20);
        col_u64(&k[1], m->fid);
        col_u64(&k[2], l->target_fid);
        col_cstr(&k[3], l->link_type);
        col_bool(&k[4], m->type == FC_MSG_LINK_REMOVE);
        col_u64(&k[5], (uint64_t)ts);
        if (l->has_display_ts)
            col_u64(&k[6], (uint64_t)fc_time_to_unix(l->display_fc_ts));
        else
            col_null(&k[6]);
        w->batch_rows[BC_LINK]++;
        return true;
    }
    case FC_MSG_VERIFICATION_ADD:
    case FC_MSG_VERIFICATION_REMOVE: {
        const __typeof__(m->body.verification) *v = &m->body.verification;
        struct col *k = w->cols[BC_VERIF];
        col_bytes(&k[0], m->hash, 20);
        col_u64(&k[1], m->fid);
        col_bytes(&k[2], v->address, v->address_len);
        col_u64(&k[3], (uint64_t)v->protocol);
        col_bool(&k[4], m->type == FC_MSG_VERIFICATION_REMOVE);
        col_u64(&k[5], v->verification_type);
        col_u64(&k[6], v->chain_id);
        col_bytes(&k[7], v->block_hash_len ? v->block_hash : NULL, v->block_hash_len);
        col_u64(&k[8], (uint64_t)ts);
        w->batch_rows[BC_VERIF]++;
        return true;
    }
    case FC_MSG_USER_DATA_ADD: {
        struct col *k = w->cols[BC_USER_DATA];
        col_u64(&k[0], m->fid);
        col_u64(&k[1], (uint64_t)m->body.user_data.user_data_type);
        col_text(&k[2], m->body.user_data.value, m->body.user_data.value_len);
        col_bytes(&k[3], m->hash, 20);
        col_u64(&k[4], (uint64_t)ts);
        touch(w, m->fid);
        w->batch_rows[BC_USER_DATA]++;
        return true;
    }
    default:
        return false;
    }
}

enum fc_err fc_writer_begin(struct fc_writer *w, struct fc_diag *diag)
{
    w->conflicted = false;
    batch_reset(w);
    fc_buf_reset(&w->touched);
    w->n_touched = 0;
    if (w->pipelined) {
        if (!PQenterPipelineMode(w->conn))
            return fc_diag_set(diag, FC_ERR_DB, "cannot enter pipeline mode: %s",
                               PQerrorMessage(w->conn));
        w->in_pipeline = true;
        w->sent = 0;
        if (!PQsendQueryParams(w->conn, "BEGIN", 0, NULL, NULL, NULL, NULL, 0)) {
            PQexitPipelineMode(w->conn);
            w->in_pipeline = false;
            return fc_diag_set(diag, FC_ERR_DB, "BEGIN: %s", PQerrorMessage(w->conn));
        }
        w->sent++;
        w->in_tx = true;
        return FC_OK;
    }
    enum fc_err err = fc_db_exec(w->db, "BEGIN", diag);
    if (!err)
        w->in_tx = true;
    return err;
}

/* Ends a pipelined transaction: sync, then read every result; the first
 * failure names the error (everything after it was aborted by the server). */
static enum fc_err drain_pipeline(struct fc_writer *w, struct fc_diag *diag)
{
    enum fc_err err = FC_OK;
    if (!PQpipelineSync(w->conn))
        err = fc_diag_set(diag, FC_ERR_DB, "pipeline sync: %s", PQerrorMessage(w->conn));
    for (size_t i = 0; i < w->sent; i++) {
        PGresult *r;
        while ((r = PQgetResult(w->conn)) != NULL) {
            ExecStatusType st = PQresultStatus(r);
            if (st == PGRES_FATAL_ERROR)
                note_failure(w, r);
            if (!err && st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
                err = fc_diag_set(diag, FC_ERR_DB, "%s", st == PGRES_PIPELINE_ABORTED
                                      ? "statement aborted by an earlier failure"
                                      : PQresultErrorMessage(r));
            PQclear(r);
        }
    }
    /* the sync point itself */
    PGresult *r;
    while ((r = PQgetResult(w->conn)) != NULL) {
        PQclear(r);
    }
    PQexitPipelineMode(w->conn);
    w->in_pipeline = false;
    w->sent = 0;
    return err;
}

void fc_writer_rollback(struct fc_writer *w)
{
    if (w->in_pipeline) {
        struct fc_diag ignored;
        drain_pipeline(w, &ignored);
    }
    fc_db_exec(w->db, "ROLLBACK", NULL);
    w->in_tx = false;
}

enum fc_err fc_writer_commit(struct fc_writer *w, struct fc_diag *diag)
{
    enum fc_err err = batch_flush(w, diag);
    if (!err && w->n_touched) {
        struct fc_buf arr = FC_BUF_INIT;
        fc_buf_printf(&arr, "{%s}", w->touched.data);
        struct params p = {.n = 0};
        p_text(&p, arr.data);
        err = run(w, S_USERS_RECOMPUTE, &p, diag);
        if (!err)
            err = run(w, S_APP_RECOMPUTE, &p, diag);
        fc_buf_cleanup(&arr);
    }
    if (w->in_pipeline) {
        if (!err && !PQsendQueryParams(w->conn, "COMMIT", 0, NULL, NULL, NULL, NULL, 0))
            err = fc_diag_set(diag, FC_ERR_DB, "COMMIT: %s", PQerrorMessage(w->conn));
        else if (!err)
            w->sent++;
        enum fc_err derr = drain_pipeline(w, diag);
        if (!err)
            err = derr;
        if (err)
            fc_db_exec(w->db, "ROLLBACK", NULL); /* a failed COMMIT already rolled back */
        w->in_tx = false;
        return err;
    }
    if (!err)
        err = fc_db_exec(w->db, "COMMIT", diag);
    if (err)
        fc_writer_rollback(w);
    w->in_tx = false;
    return err;
}

static int64_t unix_of(uint32_t fc_ts)
{
    return fc_time_to_unix(fc_ts);
}

static enum fc_err cast_add(struct fc_writer *w, const struct fc_message *m, struct fc_diag *diag)
{
    const __typeof__(m->body.cast_add) *c = &m->body.cast_add;
    struct fc_buf embeds = FC_BUF_INIT, mentions = FC_BUF_INIT, positions = FC_BUF_INIT;
    cast_columns(m, &embeds, &mentions, &positions);
    struct params p = {.n = 0};
    p_bytes(&p, m->hash, 20);
    p_u64(&p, m->fid);
    p_u64(&p, (uint64_t)unix_of(m->fc_ts));
    p_text(&p, c->text);
    p_bool(&p, c->text_had_nul);
    p_u64(&p, (uint64_t)c->cast_type);
    if (c->has_parent_cast) {
        p_bytes(&p, c->parent.hash, 20);
        p_u64(&p, c->parent.fid);
    } else {
        p_null(&p);
        p_null(&p);
    }
    p_text(&p, c->parent_url);
    p_text(&p, embeds.data);
    p_text(&p, mentions.data);
    p_text(&p, positions.data);
    if (m->signer_len)
        p_bytes(&p, m->signer, m->signer_len);
    else
        p_null(&p);
    enum fc_err err = run(w, S_CAST_ADD, &p, diag);
    fc_buf_cleanup(&embeds);
    fc_buf_cleanup(&mentions);
    fc_buf_cleanup(&positions);
    return err;
}

static enum fc_err reaction(struct fc_writer *w, const struct fc_message *m, struct fc_diag *diag)
{
    const __typeof__(m->body.reaction) *r = &m->body.reaction;
    struct params p = {.n = 0};
    p_bytes(&p, m->hash, 20);
    p_u64(&p, m->fid);
    p_u64(&p, (uint64_t)r->reaction_type);
    p_bool(&p, m->type == FC_MSG_REACTION_REMOVE);
    if (r->has_target_cast) {
        p_bytes(&p, r->target.hash, 20);
        p_u64(&p, r->target.fid);
        p_null(&p);
    } else {
        p_null(&p);
        p_null(&p);
        p_text(&p, r->target_url);
    }
    p_u64(&p, (uint64_t)unix_of(m->fc_ts));
    enum fc_err err = run(w, S_REACTION_INS, &p, diag);
    if (err)
        return err;
    struct params q = {.n = 0};
    p_u64(&q, m->fid);
    p_u64(&q, (uint64_t)r->reaction_type);
    if (r->has_target_cast) {
        p_bytes(&q, r->target.hash, 20);
        return run(w, S_REACTION_RESOLVE_CAST, &q, diag);
    }
    p_text(&q, r->target_url);
    return run(w, S_REACTION_RESOLVE_URL, &q, diag);
}

static enum fc_err link_msg(struct fc_writer *w, const struct fc_message *m, struct fc_diag *diag)
{
    const __typeof__(m->body.link) *l = &m->body.link;
    struct params p = {.n = 0};
    p_bytes(&p, m->hash, 20);
    p_u64(&p, m->fid);
    p_u64(&p, l->target_fid);
    p_text(&p, l->link_type);
    p_bool(&p, m->type == FC_MSG_LINK_REMOVE);
    p_u64(&p, (uint64_t)unix_of(m->fc_ts));
    if (l->has_display_ts)
        p_u64(&p, (uint64_t)unix_of(l->display_fc_ts));
    else
        p_null(&p);
    enum fc_err err = run(w, S_LINK_INS, &p, diag);
    if (err)
        return err;
    struct params q = {.n = 0};
    p_u64(&q, m->fid);
    p_text(&q, l->link_type);
    p_u64(&q, l->target_fid);
    return run(w, S_LINK_RESOLVE, &q, diag);
}

static enum fc_err compact(struct fc_writer *w, const struct fc_message *m, struct fc_diag *diag)
{
    struct fc_buf arr = FC_BUF_INIT;
    fc_buf_putc(&arr, '{');
    for (size_t i = 0; i < m->body.compact.n_target_fids; i++)
        fc_buf_printf(&arr, "%s%llu", i ? "," : "",
                      (unsigned long long)m->body.compact.target_fids[i]);
    fc_buf_putc(&arr, '}');
    struct params p = {.n = 0};
    p_u64(&p, m->fid);
    p_text(&p, m->body.compact.link_type);
    p_bytes(&p, m->hash, 20);
    p_u64(&p, (uint64_t)unix_of(m->fc_ts));
    p_text(&p, arr.data);
    enum fc_err err = run(w, S_COMPACT_UPSERT, &p, diag);
    if (!err) {
        struct params q = {.n = 0};
        p_u64(&q, m->fid);
        p_text(&q, m->body.compact.link_type);
        p_u64(&q, (uint64_t)unix_of(m->fc_ts));
        p_text(&q, arr.data);
        err = run(w, S_COMPACT_APPLY, &q, diag);
    }
    fc_buf_cleanup(&arr);
    return err;
}

static enum fc_err verification(struct fc_writer *w, const struct fc_message *m,
                                struct fc_diag *diag)
{
    const __typeof__(m->body.verification) *v = &m->body.verification;
    struct params p = {.n = 0};
    p_bytes(&p, m->hash, 20);
    p_u64(&p, m->fid);
    p_bytes(&p, v->address, v->address_len);
    p_u64(&p, (uint64_t)v->protocol);
    p_bool(&p, m->type == FC_MSG_VERIFICATION_REMOVE);
    p_u64(&p, v->verification_type);
    p_u64(&p, v->chain_id);
    if (v->block_hash_len)
        p_bytes(&p, v->block_hash, v->block_hash_len);
    else
        p_null(&p);
    p_u64(&p, (uint64_t)unix_of(m->fc_ts));
    enum fc_err err = run(w, S_VERIF_INS, &p, diag);
    if (err)
        return err;
    struct params q = {.n = 0};
    p_u64(&q, m->fid);
    p_bytes(&q, v->address, v->address_len);
    return run(w, S_VERIF_RESOLVE, &q, diag);
}

enum fc_err fc_writer_message(struct fc_writer *w, const struct fc_message *m,
                              struct fc_diag *diag)
{
    if (w->batched && batch_add(w, m))
        return FC_OK;
    switch (m->type) {
    case FC_MSG_CAST_ADD:
        return cast_add(w, m, diag);
    case FC_MSG_CAST_REMOVE: {
        struct params p = {.n = 0};
        p_bytes(&p, m->body.cast_remove.target_hash, 20);
        p_u64(&p, m->fid);
        p_bytes(&p, m->hash, 20);
        p_u64(&p, (uint64_t)unix_of(m->fc_ts));
        return run(w, S_CAST_REMOVE, &p, diag);
    }
    case FC_MSG_REACTION_ADD:
    case FC_MSG_REACTION_REMOVE:
        return reaction(w, m, diag);
    case FC_MSG_LINK_ADD:
    case FC_MSG_LINK_REMOVE:
        return link_msg(w, m, diag);
    case FC_MSG_LINK_COMPACT_STATE:
        return compact(w, m, diag);
    case FC_MSG_VERIFICATION_ADD:
    case FC_MSG_VERIFICATION_REMOVE:
        return verification(w, m, diag);
    case FC_MSG_USER_DATA_ADD: {
        struct params p = {.n = 0};
        p_u64(&p, m->fid);
        p_u64(&p, (uint64_t)m->body.user_data.user_data_type);
        p_text(&p, m->body.user_data.value);
        p_bytes(&p, m->hash, 20);
        p_u64(&p, (uint64_t)unix_of(m->fc_ts));
        touch(w, m->fid);
        return run(w, S_USER_DATA, &p, diag);
    }
    case FC_MSG_USERNAME_PROOF:
        return fc_writer_proof(w, &m->body.proof, diag);
    default:
        return FC_OK; /* frame actions, storage lending, keys, channels: not indexed */
    }
}

enum fc_err fc_writer_delete_message(struct fc_writer *w, const struct fc_message *m,
                                     const char *reason, struct fc_diag *diag)
{
    struct params p = {.n = 0};
    p_bytes(&p, m->hash, 20);
    switch (m->type) {
    case FC_MSG_CAST_ADD:
        p_u64(&p, m->fid);
        p_text(&p, reason);
        return run(w, S_CAST_DELETE, &p, diag);
    case FC_MSG_REACTION_ADD:
    case FC_MSG_REACTION_REMOVE: {
        /* make sure the row exists (the add may not have been seen), then delete it */
        enum fc_err err = reaction(w, m, diag);
        p_text(&p, reason);
        return err ? err : run(w, S_DELETE_REACTION, &p, diag);
    }
    case FC_MSG_LINK_ADD:
    case FC_MSG_LINK_REMOVE: {
        enum fc_err err = link_msg(w, m, diag);
        p_text(&p, reason);
        return err ? err : run(w, S_DELETE_LINK, &p, diag);
    }
    case FC_MSG_VERIFICATION_ADD:
    case FC_MSG_VERIFICATION_REMOVE: {
        enum fc_err err = verification(w, m, diag);
        p_text(&p, reason);
        return err ? err : run(w, S_DELETE_VERIF, &p, diag);
    }
    case FC_MSG_USER_DATA_ADD: {
        struct params u = {.n = 0};
        p_u64(&u, m->fid);
        p_u64(&u, (uint64_t)m->body.user_data.user_data_type);
        p_text(&u, m->body.user_data.value ? m->body.user_data.value : "");
        p_bytes(&u, m->hash, 20);
        p_u64(&u, (uint64_t)unix_of(m->fc_ts));
        p_text(&u, reason);
        touch(w, m->fid);
        return run(w, S_DELETE_USER_DATA, &u, diag);
    }
    default:
        return FC_OK; /* a pruned/revoked CastRemove leaves the cast removed */
    }
}

enum fc_err fc_writer_proof(struct fc_writer *w, const struct fc_username_proof *pr,
                            struct fc_diag *diag)
{
    if (!pr->name)
        return FC_OK;
    struct params p = {.n = 0};
    p_text(&p, pr->name);
    p_u64(&p, pr->fid);
    p_u64(&p, (uint64_t)(pr->type > 0 ? pr->type : 0));
    p_bytes(&p, pr->owner, pr->owner_len);
    p_bytes(&p, pr->signature ? pr->signature : (const uint8_t *)"", pr->signature_len);
    p_u64(&p, pr->timestamp_unix);
    p_null(&p);
    return run(w, S_PROOF, &p, diag);
}

enum fc_err fc_writer_onchain(struct fc_writer *w, const struct fc_onchain_event *o,
                              struct fc_diag *diag)
{
    struct fc_buf body = FC_BUF_INIT;
    fc_emit_onchain(o, &body);
    struct params p = {.n = 0};
    p_u64(&p, o->chain_id);
    p_u64(&p, o->block_number);
    p_bytes(&p, o->block_hash, o->block_hash_len);
    p_u64(&p, o->block_timestamp_unix);
    p_bytes(&p, o->tx_hash, o->tx_hash_len);
    p_u64(&p, o->log_index);
    p_u64(&p, o->tx_index);
    p_u64(&p, o->fid);
    p_u64(&p, (uint64_t)o->type);
    p_text(&p, body.data);
    enum fc_err err = run(w, S_ONCHAIN, &p, diag);
    fc_buf_cleanup(&body);
    if (err)
        return err;
    if (o->type == FC_ONCHAIN_SIGNER && o->body.signer.key_len == 32) {
        struct params q = {.n = 0};
        p_u64(&q, o->fid);
        p_bytes(&q, o->body.signer.key, 32);
        if (o->body.signer.event_type == 1) {
            p_u64(&q, o->body.signer.key_type);
            if (o->body.signer.request_fid)
                p_u64(&q, o->body.signer.request_fid);
            else
                p_null(&q);
            p_u64(&q, o->block_timestamp_unix);
            p_u64(&q, o->block_number);
            p_u64(&q, o->log_index);
            touch(w, o->fid);
            return run(w, S_SIGNER_ADD, &q, diag);
        }
        p_u64(&q, o->block_timestamp_unix);
        return run(w, S_SIGNER_REMOVE, &q, diag);
    }
    if (o->type == FC_ONCHAIN_ID_REGISTER) {
        /* REGISTER sets both addresses, TRANSFER the custody (its recovery is
         * empty), CHANGE_RECOVERY the recovery (its to and from are empty). */
        const __typeof__(o->body.id_register) *r = &o->body.id_register;
        bool sets_custody = r->event_type != 3 && r->has_to;
        bool sets_recovery = r->event_type != 2 && r->has_recovery;
        if (!sets_custody && !sets_recovery)
            return FC_OK;
        struct params q = {.n = 0};
        p_u64(&q, o->fid);
        if (sets_custody)
            p_bytes(&q, r->to, 20);
        else
            p_null(&q);
        if (sets_recovery)
            p_bytes(&q, r->recovery, 20);
        else
            p_null(&q);
        p_u64(&q, o->block_number * 1000000u + o->log_index);
        return run(w, S_CUSTODY, &q, diag);
    }
    return FC_OK;
}

enum fc_err fc_writer_event(struct fc_writer *w, const struct fc_hub_event *e,
                            struct fc_diag *diag)
{
    enum fc_err err = FC_OK;
    switch (e->type) {
    case FC_EVENT_MERGE_MESSAGE:
        /* deletedMessages need no separate step: the conflict rules above
         * reach the same result from the merged message alone, and apply
         * the compact-state rule Snapchain leaves to us. */
        return e->message ? fc_writer_message(w, e->message, diag) : FC_OK;
    case FC_EVENT_PRUNE_MESSAGE:
        return e->message ? fc_writer_delete_message(w, e->message, "pruned", diag) : FC_OK;
    case FC_EVENT_REVOKE_MESSAGE:
        return e->message ? fc_writer_delete_message(w, e->message, "revoked", diag) : FC_OK;
    case FC_EVENT_MERGE_ON_CHAIN_EVENT:
        return e->onchain ? fc_writer_onchain(w, e->onchain, diag) : FC_OK;
    case FC_EVENT_MERGE_USERNAME_PROOF:
        if (e->proof)
            err = fc_writer_proof(w, e->proof, diag);
        if (!err && e->deleted_proof && (!e->proof || !e->proof->name || !e->deleted_proof->name ||
                                         strcmp(e->proof->name, e->deleted_proof->name) != 0)) {
            struct params p = {.n = 0};
            p_text(&p, e->deleted_proof->name);
            p_u64(&p, e->deleted_proof->fid);
            p_u64(&p, e->deleted_proof->timestamp_unix);
            err = run(w, S_PROOF_DELETE, &p, diag);
        }
        if (!err && e->proof_message)
            err = fc_writer_message(w, e->proof_message, diag);
        return err;
    default:
        return FC_OK; /* merge failures, block confirmations, hints */
    }
}

enum fc_err fc_writer_dead_letter(struct fc_writer *w, const char *source, const char *raw,
                                  size_t raw_len, const char *reason, struct fc_diag *diag)
{
    struct params p = {.n = 0};
    p_text(&p, source);
    p_bytes(&p, (const uint8_t *)raw, raw_len > (1u << 20) ? (1u << 20) : raw_len);
    p_text(&p, reason);
    return run(w, S_DEAD_LETTER, &p, diag);
}

enum fc_err fc_writer_dead_letter_item(struct fc_writer *w, const char *source,
                                       const struct fc_item *it, struct fc_diag *diag)
{
    char reason[700];
    snprintf(reason, sizeof(reason), "%s: %s%s", it->error_path ? it->error_path : "",
             it->error ? it->error : "invalid item",
             it->raw_truncated ? " (only the first 1 MiB of the item kept)" : "");
    return fc_writer_dead_letter(w, source, it->raw ? it->raw : "", it->raw_len, reason, diag);
}

enum fc_err fc_writer_set_cursor(struct fc_writer *w, const char *hub, unsigned shard,
                                 uint64_t next_event_id, struct fc_diag *diag)
{
    struct params p = {.n = 0};
    p_text(&p, hub);
    p_u64(&p, shard);
    p_u64(&p, next_event_id);
    return run(w, S_CURSOR, &p, diag);
}

enum fc_err fc_writer_mark_synced(struct fc_writer *w, uint64_t fid, struct fc_diag *diag)
{
    struct params p = {.n = 0};
    p_u64(&p, fid);
    return run(w, S_MARK_SYNCED, &p, diag);
}

static int cmp_fid(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

enum fc_err fc_writer_lock_fids(struct fc_writer *w, const uint64_t *fids, size_t n,
                                struct fc_diag *diag)
{
    if (!n)
        return FC_OK;
    uint64_t *sorted = fc_xmalloc(n * sizeof(*sorted));
    memcpy(sorted, fids, n * sizeof(*sorted));
    qsort(sorted, n, sizeof(*sorted), cmp_fid);
    struct fc_buf arr = FC_BUF_INIT;
    fc_buf_putc(&arr, '{');
    size_t u = 0;
    for (size_t i = 0; i < n; i++) {
        if (i && sorted[i] == sorted[i - 1])
            continue;
        fc_buf_printf(&arr, "%s%llu", u++ ? "," : "", (unsigned long long)sorted[i]);
    }
    fc_buf_putc(&arr, '}');
    free(sorted);
    struct params p = {.n = 0};
    p_text(&p, arr.data);
    enum fc_err err = run(w, S_LOCK_FIDS, &p, diag);
    fc_buf_cleanup(&arr);
    return err;
}

bool fc_writer_conflicted(const struct fc_writer *w)
{
    return w->conflicted;
}
