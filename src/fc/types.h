/* Decoded Farcaster hub data: messages, hub events, on-chain events and
 * username proofs, as plain structs. Every pointer inside points into the
 * arena of the page it was decoded from and lives as long as that arena.
 * Times: fc_ts fields are Farcaster time; unix fields are Unix seconds. */
#ifndef FC_FC_TYPES_H
#define FC_FC_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum fc_msg_type {
    FC_MSG_NONE = 0,
    FC_MSG_CAST_ADD = 1,
    FC_MSG_CAST_REMOVE = 2,
    FC_MSG_REACTION_ADD = 3,
    FC_MSG_REACTION_REMOVE = 4,
    FC_MSG_LINK_ADD = 5,
    FC_MSG_LINK_REMOVE = 6,
    FC_MSG_VERIFICATION_ADD = 7,
    FC_MSG_VERIFICATION_REMOVE = 8,
    FC_MSG_USER_DATA_ADD = 11,
    FC_MSG_USERNAME_PROOF = 12,
    FC_MSG_FRAME_ACTION = 13,
    FC_MSG_LINK_COMPACT_STATE = 14,
    FC_MSG_LEND_STORAGE = 15,
    FC_MSG_KEY_ADD = 16,
    FC_MSG_KEY_REMOVE = 17,
    FC_MSG_CHANNEL_UPDATE = 18,
    FC_MSG_CHANNEL_MEMBER = 19,
    FC_MSG_CHANNEL_PIN = 20,
    FC_MSG_CHANNEL_MODERATE = 21,
    FC_MSG_TYPE_MAX = 22,
};

enum fc_event_type {
    FC_EVENT_NONE = 0,
    FC_EVENT_MERGE_MESSAGE = 1,
    FC_EVENT_PRUNE_MESSAGE = 2,
    FC_EVENT_REVOKE_MESSAGE = 3,
    FC_EVENT_MERGE_USERNAME_PROOF = 6,
    FC_EVENT_MERGE_ON_CHAIN_EVENT = 9,
    FC_EVENT_MERGE_FAILURE = 10,
    FC_EVENT_BLOCK_CONFIRMED = 11,
    FC_EVENT_CHANNEL_OWNER_CHANGE_HINT = 12,
    FC_EVENT_TYPE_MAX = 13,
};

enum fc_onchain_type {
    FC_ONCHAIN_NONE = 0,
    FC_ONCHAIN_SIGNER = 1,
    FC_ONCHAIN_SIGNER_MIGRATED = 2,
    FC_ONCHAIN_ID_REGISTER = 3,
    FC_ONCHAIN_STORAGE_RENT = 4,
    FC_ONCHAIN_TIER_PURCHASE = 5,
    FC_ONCHAIN_CHANNEL_REGISTER = 6,
    FC_ONCHAIN_TYPE_MAX = 7,
};

/* Size caps (validation) from the protocol's own limits. */
#define FC_MAX_CAST_TEXT 320
#define FC_MAX_LONG_CAST_TEXT 1024
#define FC_MAX_TEN_K_CAST_TEXT 10000
#define FC_MAX_MENTIONS 10
#define FC_MAX_EMBEDS 4
#define FC_MAX_URL_BYTES 256
#define FC_MAX_USER_DATA_BYTES 1024
#define FC_MAX_LINK_TYPE_BYTES 8
#define FC_MAX_COMPACT_TARGETS 10000
#define FC_MAX_STRING_BYTES 16384  /* any other string */
#define FC_MAX_BYTES_FIELD 4096    /* any decoded byte field */
#define FC_MAX_ITEMS_PER_PAGE 200000
#define FC_MAX_PAGE_BYTES (64u << 20)
#define FC_MAX_RAW_ITEM_BYTES (1u << 20) /* raw bytes kept for a dead letter */

struct fc_cast_id {
    uint64_t fid;
    uint8_t hash[20];
};

/* A string or byte string in the page's arena. */
struct fc_text {
    const char *s;
    size_t len;
};

struct fc_embed {
    const char *url; /* NULL for a cast embed */
    size_t url_len;
    bool is_cast;
    struct fc_cast_id cast;
};

struct fc_username_proof {
    uint64_t timestamp_unix;
    const char *name;
    size_t name_len;
    uint8_t owner[32];
    size_t owner_len;
    const uint8_t *signature;
    size_t signature_len;
    uint64_t fid;
    int type; /* 1 FNAME, 2 ENS_L1, 3 BASENAME */
};

struct fc_message {
    enum fc_msg_type type;
    uint64_t fid;
    uint32_t fc_ts;
    int network;
    uint8_t hash[20];
    uint8_t signer[32];
    size_t signer_len;
    const uint8_t *signature;
    size_t signature_len;
    const uint8_t *data_bytes; /* Hubble only; NULL otherwise */
    size_t data_bytes_len;
    /* A string held NUL bytes (replaced on decode) or a field could not be
     * kept as sent: the MessageData bytes cannot be rebuilt from this struct. */
    bool lossy;
    /* A struct, not a union: a malformed message may carry fields of several
     * bodies, and each must land in its own storage. */
    struct {
        struct {
            const char *text;
            size_t text_len;
            bool text_had_nul; /* NUL bytes were replaced by U+FFFD */
            int cast_type;     /* 0 CAST, 1 LONG_CAST, 2 TEN_K_CAST */
            bool has_parent_cast;
            struct fc_cast_id parent;
            const char *parent_url;
            size_t parent_url_len;
            const uint64_t *mentions;
            size_t n_mentions;
            const uint32_t *positions;
            size_t n_positions;
            const struct fc_embed *embeds;
            size_t n_embeds;
            const struct fc_text *embeds_deprecated;
            size_t n_embeds_deprecated;
        } cast_add;
        struct {
            uint8_t target_hash[20];
        } cast_remove;
        struct {
            int reaction_type; /* 1 LIKE, 2 RECAST */
            bool has_target_cast;
            struct fc_cast_id target;
            const char *target_url;
            size_t target_url_len;
        } reaction;
        struct {
            const char *link_type;
            uint64_t target_fid;
            bool has_display_ts;
            uint32_t display_fc_ts;
        } link;
        struct {
            const char *link_type;
            const uint64_t *target_fids;
            size_t n_target_fids;
        } compact;
        struct {
            uint8_t address[32];
            size_t address_len;
            int protocol; /* 0 ETHEREUM, 1 SOLANA */
            uint8_t block_hash[32];
            size_t block_hash_len;
            uint32_t verification_type;
            uint32_t chain_id;
            const uint8_t *claim_signature;
            size_t claim_signature_len;
        } verification;
        struct {
            int user_data_type;
            const char *value;
            size_t value_len;
        } user_data;
        struct fc_username_proof proof;
        struct {
            uint64_t to_fid, num_units;
            int unit_type;
        } lend;
        struct {
            uint8_t key[32];
            size_t key_len;
            uint64_t request_fid; /* from metadata; 0 = unknown */
            /* the rest of KeyAddBody / KeyRemoveBody, kept to rebuild MessageData */
            uint32_t key_type, metadata_type, signature_type;
            uint64_t deadline, nonce, ttl;
            const uint8_t *custody_signature, *metadata, *registration_tx_hash, *signature;
            size_t custody_signature_len, metadata_len, registration_tx_hash_len, signature_len;
            const uint8_t *scopes; /* message type values */
            size_t n_scopes;
        } key;
    } body;
};

struct fc_onchain_event {
    enum fc_onchain_type type;
    uint32_t chain_id;
    uint64_t block_number;
    uint8_t block_hash[32];
    size_t block_hash_len;
    uint64_t block_timestamp_unix;
    uint8_t tx_hash[32];
    size_t tx_hash_len;
    uint32_t log_index;
    uint32_t tx_index;
    uint64_t fid;
    uint32_t version;
    struct { /* not a union: see fc_message */
        struct {
            uint8_t key[32];
            size_t key_len;
            uint32_t key_type;
            int event_type; /* 1 ADD, 2 REMOVE, 3 ADMIN_RESET */
            uint32_t metadata_type;
            const uint8_t *metadata;
            size_t metadata_len;
            uint64_t request_fid;     /* the app; 0 when metadata absent or invalid */
            const char *metadata_error; /* why request_fid is 0, or NULL */
        } signer;
        struct {
            uint64_t migrated_at_unix;
        } migrated;
        struct {
            uint8_t to[20];
            bool has_to;    /* empty on CHANGE_RECOVERY */
            uint8_t from[20];
            bool has_from;
            uint8_t recovery[20];
            bool has_recovery;
            int event_type; /* 1 REGISTER, 2 TRANSFER, 3 CHANGE_RECOVERY */
        } id_register;
        struct {
            uint8_t payer[20];
            bool has_payer;
            uint64_t units;
            uint64_t expiry_unix;
        } storage;
        struct {
            uint8_t payer[20];
            bool has_payer;
            uint64_t for_days;
            const char *tier_type;
        } tier;
    } body;
};

struct fc_hub_event {
    uint64_t id;
    enum fc_event_type type;
    uint64_t block_number; /* Snapchain */
    uint32_t shard_index;  /* Snapchain */
    const struct fc_message *message;         /* merge/prune/revoke/failure */
    const struct fc_message *const *deleted;  /* merge: deletedMessages */
    size_t n_deleted;
    const struct fc_onchain_event *onchain;
    const struct fc_username_proof *proof, *deleted_proof;
    const struct fc_message *proof_message, *deleted_proof_message;
    const char *failure_code, *failure_reason;
    struct {
        uint64_t block_number;
        uint32_t shard_index;
        uint32_t fc_ts;
        uint8_t block_hash[32];
        size_t block_hash_len;
        uint32_t total_events;
    } block;
};

/* Event id layouts. Snapchain: (block height << 14) | seq, per shard, the same
 * on every node. Hubble: ((unix_ms - FC epoch ms) << 12) | seq, local to one hub. */
static inline uint64_t fc_snapchain_event_block(uint64_t id) { return id >> 14; }
static inline uint32_t fc_snapchain_event_seq(uint64_t id) { return (uint32_t)(id & 16383); }
static inline uint64_t fc_snapchain_first_event_id(uint64_t block) { return block << 14; }
static inline uint64_t fc_hubble_event_unix_ms(uint64_t id) { return (id >> 12) + 1609459200000ULL; }
static inline uint64_t fc_hubble_first_event_id(uint64_t unix_ms)
{
    return unix_ms <= 1609459200000ULL ? 0 : (unix_ms - 1609459200000ULL) << 12;
}

/* Names as the hub writes them ("MESSAGE_TYPE_CAST_ADD", ...); NULL if unknown. */
const char *fc_msg_type_name(enum fc_msg_type t);
const char *fc_event_type_name(enum fc_event_type t);
const char *fc_onchain_type_name(enum fc_onchain_type t);
enum fc_msg_type fc_msg_type_parse(const char *s, size_t n);
enum fc_event_type fc_event_type_parse(const char *s, size_t n);
enum fc_onchain_type fc_onchain_type_parse(const char *s, size_t n);
/* The index of s[0..n) among names[0..count) (NULL entries skipped), or -1. */
int fc_name_index(const char *const *names, int count, const char *s, size_t n);

#endif
