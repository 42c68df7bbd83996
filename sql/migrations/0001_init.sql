-- fcindex schema, version 1. docs/schema.md explains every table and index.
-- Conventions: hashes, keys and addresses are bytea; fids bigint; times
-- timestamptz (converted from Farcaster time at decode); text is unbounded.
-- Rows are keyed so that every write is idempotent. Soft deletes keep the
-- row with deleted_at and why ('removed', 'pruned', 'revoked').

CREATE TABLE targets (
    fid               bigint PRIMARY KEY CHECK (fid > 0),
    is_root           boolean NOT NULL DEFAULT false,
    source            text NOT NULL CHECK (source IN ('config', 'admin', 'follow', 'client')),
    added_at          timestamptz NOT NULL DEFAULT now(),
    last_synced_at    timestamptz,
    backfill_attempts integer NOT NULL DEFAULT 0,
    last_error        text
);
-- Pending backfills are exactly the unsynced targets (the queue is derived).
CREATE INDEX targets_unsynced ON targets (added_at) WHERE last_synced_at IS NULL;
CREATE INDEX targets_roots ON targets (fid) WHERE is_root;

CREATE TABLE target_clients (
    client_fid bigint PRIMARY KEY CHECK (client_fid > 0),
    source     text NOT NULL DEFAULT 'config' CHECK (source IN ('config', 'admin')),
    added_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    fid                       bigint PRIMARY KEY,
    username                  text,
    display_name              text,
    pfp_url                   text,
    bio                       text,
    url                       text,
    location                  text,
    twitter                   text,
    github                    text,
    banner                    text,
    live_at                   text,
    profile_token             text,
    primary_address_ethereum  bytea,
    primary_address_solana    bytea,
    custody_address           bytea,
    recovery_address          bytea,
    app_fid                   bigint,       -- the app the user signed up through
    updated_at                timestamptz,  -- latest profile message time
    synced_at                 timestamptz   -- when fcindex last wrote this row
);
CREATE INDEX users_username ON users (lower(username)) WHERE username IS NOT NULL;
CREATE INDEX users_custody ON users (custody_address) WHERE custody_address IS NOT NULL;

-- One row per cast hash. A CastRemove that arrives before its CastAdd
-- creates the row with only fid, deleted_at and removed_by (text NULL): the
-- late add fills the content but can never clear deleted_at.
CREATE TABLE casts (
    hash               bytea PRIMARY KEY CHECK (octet_length(hash) = 20),
    fid                bigint NOT NULL,
    "timestamp"        timestamptz,
    text               text,
    text_had_nul       boolean NOT NULL DEFAULT false, -- NULs stored as U+FFFD
    type               smallint NOT NULL DEFAULT 0,    -- 0 CAST, 1 LONG_CAST, 2 TEN_K_CAST
    parent_hash        bytea,
    parent_fid         bigint,
    parent_url         text,
    root_parent_hash   bytea,
    root_parent_url    text,
    embeds             jsonb NOT NULL DEFAULT '[]',
    mentions           bigint[] NOT NULL DEFAULT '{}',
    mentions_positions integer[] NOT NULL DEFAULT '{}',
    signer             bytea,
    deleted_at         timestamptz,
    deleted_reason     text CHECK (deleted_reason IN ('removed', 'pruned', 'revoked')),
    removed_by         bytea,       -- hash of the CastRemove message
    removed_at_ts      timestamptz, -- its timestamp (later remove wins)
    ingested_at        timestamptz NOT NULL DEFAULT now(),
    CHECK ((deleted_at IS NULL) = (deleted_reason IS NULL))
);
-- Feed and profile pages: a fid's live casts, newest first.
CREATE INDEX casts_fid_time ON casts (fid, "timestamp" DESC) WHERE deleted_at IS NULL;
-- Replies to a cast, in thread order.
CREATE INDEX casts_parent ON casts (parent_hash, "timestamp") WHERE parent_hash IS NOT NULL;
CREATE INDEX casts_root_parent ON casts (root_parent_hash, "timestamp")
    WHERE root_parent_hash IS NOT NULL;
-- Channel / URL feeds.
CREATE INDEX casts_parent_url ON casts (parent_url, "timestamp" DESC)
    WHERE parent_url IS NOT NULL AND deleted_at IS NULL;
-- Recent activity and trending windows.
CREATE INDEX casts_recent ON casts ("timestamp" DESC) WHERE deleted_at IS NULL;
-- Full-text search on live casts (query must use the same expression).
CREATE INDEX casts_text_search ON casts USING gin (to_tsvector('simple', coalesce(text, '')))
    WHERE deleted_at IS NULL;
-- Hash-prefix lookup uses the primary key: hash >= prefix AND hash < next(prefix).

-- Reactions, links and verifications keep both their add and their remove
-- messages (is_remove): a remove is the tombstone that stops an older add
-- from coming back. Live = NOT is_remove AND deleted_at IS NULL.
CREATE TABLE reactions (
    hash           bytea PRIMARY KEY CHECK (octet_length(hash) = 20),
    fid            bigint NOT NULL,
    type           smallint NOT NULL,  -- 1 LIKE, 2 RECAST
    is_remove      boolean NOT NULL DEFAULT false,
    target_hash    bytea,
    target_fid     bigint,
    target_url     text,
    "timestamp"    timestamptz NOT NULL,
    deleted_at     timestamptz,
    deleted_reason text CHECK (deleted_reason IN ('removed', 'pruned', 'revoked')),
    ingested_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((target_hash IS NULL) <> (target_url IS NULL))
);
-- CRDT conflict keys: (fid, type, target).
CREATE INDEX reactions_key_cast ON reactions (fid, type, target_hash) WHERE target_hash IS NOT NULL;
CREATE INDEX reactions_key_url ON reactions (fid, type, target_url) WHERE target_url IS NOT NULL;
-- Reaction counts per cast / per URL.
CREATE INDEX reactions_target_cast ON reactions (target_hash, type)
    WHERE target_hash IS NOT NULL AND NOT is_remove AND deleted_at IS NULL;
CREATE INDEX reactions_target_url ON reactions (target_url, type)
    WHERE target_url IS NOT NULL AND NOT is_remove AND deleted_at IS NULL;
CREATE INDEX reactions_fid_time ON reactions (fid, "timestamp" DESC)
    WHERE NOT is_remove AND deleted_at IS NULL;

CREATE TABLE links (
    hash              bytea PRIMARY KEY CHECK (octet_length(hash) = 20),
    fid               bigint NOT NULL,
    target_fid        bigint NOT NULL,
    type              text NOT NULL,
    is_remove         boolean NOT NULL DEFAULT false,
    "timestamp"       timestamptz NOT NULL,
    display_timestamp timestamptz,
    deleted_at        timestamptz,
    deleted_reason    text CHECK (deleted_reason IN ('removed', 'pruned', 'revoked')),
    ingested_at       timestamptz NOT NULL DEFAULT now()
);
-- CRDT conflict key.
CREATE INDEX links_key ON links (fid, type, target_fid);
-- Followers of an account.
CREATE INDEX links_followers ON links (target_fid, type, "timestamp" DESC)
    WHERE NOT is_remove AND deleted_at IS NULL;
-- Accounts a fid follows (feed source, target expansion).
CREATE INDEX links_following ON links (fid, type, "timestamp" DESC)
    WHERE NOT is_remove AND deleted_at IS NULL;

-- The latest LINK_COMPACT_STATE per (fid, type): a snapshot of all targets.
CREATE TABLE link_compact_states (
    fid         bigint NOT NULL,
    type        text NOT NULL,
    hash        bytea NOT NULL,
    "timestamp" timestamptz NOT NULL,
    target_fids bigint[] NOT NULL,
    PRIMARY KEY (fid, type)
);

CREATE TABLE verifications (
    hash              bytea PRIMARY KEY CHECK (octet_length(hash) = 20),
    fid               bigint NOT NULL,
    address           bytea NOT NULL,
    protocol          smallint NOT NULL DEFAULT 0, -- 0 ETHEREUM, 1 SOLANA
    is_remove         boolean NOT NULL DEFAULT false,
    verification_type smallint NOT NULL DEFAULT 0, -- 0 EOA, 1 contract
    chain_id          integer NOT NULL DEFAULT 0,
    block_hash        bytea,
    "timestamp"       timestamptz NOT NULL,
    deleted_at        timestamptz,
    deleted_reason    text CHECK (deleted_reason IN ('removed', 'pruned', 'revoked')),
    ingested_at       timestamptz NOT NULL DEFAULT now()
);
-- CRDT conflict key, and address -> fid lookups.
CREATE INDEX verifications_key ON verifications (fid, address);
CREATE INDEX verifications_address ON verifications (address)
    WHERE NOT is_remove AND deleted_at IS NULL;

-- Latest value per (fid, type), last write wins by (timestamp, hash).
CREATE TABLE user_data (
    fid            bigint NOT NULL,
    type           smallint NOT NULL,
    value          text NOT NULL,
    hash           bytea NOT NULL CHECK (octet_length(hash) = 20),
    "timestamp"    timestamptz NOT NULL,
    deleted_at     timestamptz,
    deleted_reason text CHECK (deleted_reason IN ('removed', 'pruned', 'revoked')),
    PRIMARY KEY (fid, type)
);
-- Prunes and revokes name messages by hash.
CREATE UNIQUE INDEX user_data_hash ON user_data (hash);

CREATE TABLE username_proofs (
    name        text PRIMARY KEY,
    fid         bigint NOT NULL,            -- 0 = released
    type        smallint NOT NULL,          -- 1 FNAME, 2 ENS_L1, 3 BASENAME
    owner       bytea NOT NULL,
    signature   bytea NOT NULL,
    "timestamp" timestamptz NOT NULL,       -- proof time (Unix seconds on the wire)
    message_hash bytea,                     -- for proofs carried by a message
    deleted_at  timestamptz
);
CREATE INDEX username_proofs_fid ON username_proofs (fid) WHERE deleted_at IS NULL;

CREATE TABLE onchain_events (
    id               bigserial PRIMARY KEY,
    chain_id         integer NOT NULL,
    block_number     bigint NOT NULL,
    block_hash       bytea,
    block_timestamp  timestamptz NOT NULL,
    transaction_hash bytea NOT NULL,
    log_index        integer NOT NULL,
    tx_index         integer NOT NULL DEFAULT 0,
    fid              bigint NOT NULL,
    type             smallint NOT NULL, -- 1 SIGNER ... 6 CHANNEL_REGISTER
    body             jsonb NOT NULL DEFAULT '{}',
    ingested_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (chain_id, transaction_hash, log_index)
);
CREATE INDEX onchain_events_fid ON onchain_events (fid, type, block_number, log_index);

-- Signer keys per fid and the app (request fid) that asked for each.
CREATE TABLE signers (
    fid              bigint NOT NULL,
    key              bytea NOT NULL CHECK (octet_length(key) = 32),
    key_type         smallint NOT NULL DEFAULT 1,
    request_fid      bigint,         -- the app; NULL when metadata was absent or invalid
    added_at         timestamptz,
    add_block_number bigint,
    add_log_index    integer,
    removed_at       timestamptz,
    PRIMARY KEY (fid, key)
);
CREATE INDEX signers_app ON signers (request_fid) WHERE request_fid IS NOT NULL;

-- Realtime position: last applied event id per hub and shard (Hubble: shard 0).
CREATE TABLE hub_cursors (
    hub        text NOT NULL,
    shard      integer NOT NULL,
    event_id   bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (hub, shard)
);

-- Items that failed validation: kept, never silently dropped.
CREATE TABLE dead_letters (
    id             bigserial PRIMARY KEY,
    source         text NOT NULL,           -- e.g. 'events:shard-1', 'backfill:castsByFid'
    payload        bytea NOT NULL,          -- the raw JSON item as received
    payload_digest bytea GENERATED ALWAYS AS (sha256(payload)) STORED,
    message_hash   bytea,
    reason         text NOT NULL,
    first_seen     timestamptz NOT NULL DEFAULT now(),
    last_seen      timestamptz NOT NULL DEFAULT now(),
    attempts       integer NOT NULL DEFAULT 1,
    UNIQUE (source, payload_digest)
);
CREATE INDEX dead_letters_recent ON dead_letters (last_seen DESC);
