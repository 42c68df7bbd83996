/* Which field a JSON value is, from its path inside its object: one table
 * per object kind (message, hub event, on-chain event, username proof), from
 * path hash to field, built once. */
#include "fc/decode_internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct field_def {
    const char *path;
    enum field field;
};

static const struct field_def msg_defs[] = {
    {"data.type", F_TYPE}, {"data.fid", F_FID}, {"data.timestamp", F_TS},
    {"data.network", F_NETWORK}, {"hash", F_HASH}, {"hashScheme", F_IGNORE},
    {"signature", F_SIG}, {"signatureScheme", F_IGNORE}, {"signer", F_SIGNER},
    {"dataBytes", F_DATABYTES},
    {"data.castAddBody", F_O_CAST_ADD},
    {"data.castAddBody.embedsDeprecated", F_A_EMBEDS_DEP},
    {"data.castAddBody.embedsDeprecated[]", F_EMBED_DEP},
    {"data.castAddBody.mentions", F_A_MENTIONS}, {"data.castAddBody.mentions[]", F_MENTION},
    {"data.castAddBody.parentCastId.fid", F_PARENT_FID},
    {"data.castAddBody.parentCastId.hash", F_PARENT_HASH},
    {"data.castAddBody.parentUrl", F_PARENT_URL}, {"data.castAddBody.text", F_TEXT},
    {"data.castAddBody.mentionsPositions", F_A_POSITIONS},
    {"data.castAddBody.mentionsPositions[]", F_POSITION},
    {"data.castAddBody.embeds", F_A_EMBEDS}, {"data.castAddBody.embeds[]", F_EMBED_ELEM},
    {"data.castAddBody.embeds[].url", F_EMBED_URL},
    {"data.castAddBody.embeds[].castId.fid", F_EMBED_FID},
    {"data.castAddBody.embeds[].castId.hash", F_EMBED_HASH},
    {"data.castAddBody.type", F_CAST_TYPE},
    {"data.castRemoveBody", F_O_CAST_REMOVE},
    {"data.castRemoveBody.targetHash", F_REMOVE_TARGET},
    {"data.reactionBody", F_O_REACTION}, {"data.reactionBody.type", F_REACTION_TYPE},
    {"data.reactionBody.targetCastId.fid", F_REACTION_FID},
    {"data.reactionBody.targetCastId.hash", F_REACTION_HASH},
    {"data.reactionBody.targetUrl", F_REACTION_URL},
    {"data.linkBody", F_O_LINK}, {"data.linkBody.type", F_LINK_TYPE},
    {"data.linkBody.displayTimestamp", F_LINK_DISPLAY}, {"data.linkBody.targetFid", F_LINK_TARGET},
    {"data.linkCompactStateBody", F_O_COMPACT},
    {"data.linkCompactStateBody.type", F_COMPACT_TYPE},
    {"data.linkCompactStateBody.targetFids", F_A_COMPACT},
    {"data.linkCompactStateBody.targetFids[]", F_COMPACT_TARGET},
    {"data.verificationAddAddressBody", F_O_VER_ADD},
    {"data.verificationAddAddressBody.address", F_VER_ADDRESS},
    {"data.verificationAddAddressBody.claimSignature", F_VER_CLAIM},
    {"data.verificationAddAddressBody.blockHash", F_VER_BLOCKHASH},
    {"data.verificationAddAddressBody.type", F_VER_TYPE},
    {"data.verificationAddAddressBody.verificationType", F_VER_TYPE},
    {"data.verificationAddAddressBody.chainId", F_VER_CHAIN},
    {"data.verificationAddAddressBody.protocol", F_VER_PROTOCOL},
    {"data.verificationAddAddressBody.ethSignature", F_IGNORE},
    {"data.verificationAddEthAddressBody", F_SKIP}, /* Hubble's duplicate of the above */
    {"data.verificationRemoveBody", F_O_VER_RM},
    {"data.verificationRemoveBody.address", F_VERRM_ADDRESS},
    {"data.verificationRemoveBody.protocol", F_VERRM_PROTOCOL},
    {"data.userDataBody", F_O_USER_DATA}, {"data.userDataBody.type", F_UD_TYPE},
    {"data.userDataBody.value", F_UD_VALUE},
    {"data.usernameProofBody", F_O_PROOF}, {"data.usernameProofBody.timestamp", F_UP_TS},
    {"data.usernameProofBody.name", F_UP_NAME}, {"data.usernameProofBody.owner", F_UP_OWNER},
    {"data.usernameProofBody.signature", F_UP_SIG}, {"data.usernameProofBody.fid", F_UP_FID},
    {"data.usernameProofBody.type", F_UP_TYPE},
    {"data.frameActionBody", F_O_FRAME},
    {"data.lendStorageBody", F_O_LEND}, {"data.lendStorageBody.toFid", F_LEND_TO},
    {"data.lendStorageBody.numUnits", F_LEND_UNITS},
    {"data.lendStorageBody.unitType", F_LEND_UNIT_TYPE},
    {"data.keyAddBody", F_O_KEY_ADD}, {"data.keyAddBody.key", F_KEY_KEY},
    {"data.keyAddBody.metadata", F_KEY_METADATA}, {"data.keyAddBody.keyType", F_KEY_TYPE},
    {"data.keyAddBody.custodySignature", F_KEY_CUSTODY_SIG},
    {"data.keyAddBody.deadline", F_KEY_DEADLINE}, {"data.keyAddBody.nonce", F_KEY_NONCE},
    {"data.keyAddBody.metadataType", F_KEY_MDTYPE},
    {"data.keyAddBody.registrationTxHash", F_KEY_REGTX},
    {"data.keyAddBody.scopes", F_A_SCOPES}, {"data.keyAddBody.scopes[]", F_KEY_SCOPE},
    {"data.keyAddBody.ttl", F_KEY_TTL},
    {"data.keyRemoveBody", F_O_KEY_RM}, {"data.keyRemoveBody.key", F_KEY_KEY},
    {"data.keyRemoveBody.signature", F_KEY_SIG},
    {"data.keyRemoveBody.signatureType", F_KEY_SIGTYPE},
    {"data.keyRemoveBody.deadline", F_KEY_DEADLINE}, {"data.keyRemoveBody.nonce", F_KEY_NONCE},
    {"data.channelUpdateBody", F_SKIP}, {"data.channelMemberBody", F_SKIP},
    {"data.channelPinBody", F_SKIP}, {"data.channelModerateBody", F_SKIP},
};

static const struct field_def proof_defs[] = {
    {"timestamp", F_UP_TS}, {"name", F_UP_NAME}, {"owner", F_UP_OWNER},
    {"signature", F_UP_SIG}, {"fid", F_UP_FID}, {"type", F_UP_TYPE},
};

static const struct field_def event_defs[] = {
    {"type", F_EV_TYPE}, {"id", F_EV_ID}, {"blockNumber", F_EV_BLOCK},
    {"shardIndex", F_EV_SHARD}, {"timestamp", F_IGNORE},
    {"mergeMessageBody.message", F_S_MESSAGE},
    {"mergeMessageBody.deletedMessages", F_A_DELETED},
    {"mergeMessageBody.deletedMessages[]", F_S_DELETED},
    {"pruneMessageBody.message", F_S_MESSAGE}, {"revokeMessageBody.message", F_S_MESSAGE},
    {"mergeFailure.message", F_S_MESSAGE}, {"mergeFailure.code", F_FAIL_CODE},
    {"mergeFailure.reason", F_FAIL_REASON},
    {"mergeFailureBody.message", F_S_MESSAGE}, {"mergeFailureBody.code", F_FAIL_CODE},
    {"mergeFailureBody.reason", F_FAIL_REASON},
    {"mergeOnChainEventBody.onChainEvent", F_S_ONCHAIN},
    {"mergeUsernameProofBody.usernameProof", F_S_PROOF},
    {"mergeUsernameProofBody.deletedUsernameProof", F_S_DELETED_PROOF},
    {"mergeUsernameProofBody.usernameProofMessage", F_S_PROOF_MSG},
    {"mergeUsernameProofBody.deletedUsernameProofMessage", F_S_DELETED_PROOF_MSG},
    {"blockConfirmedBody.blockNumber", F_BC_BLOCK}, {"blockConfirmedBody.shardIndex", F_BC_SHARD},
    {"blockConfirmedBody.timestamp", F_BC_TS}, {"blockConfirmedBody.blockHash", F_BC_HASH},
    {"blockConfirmedBody.totalEvents", F_BC_TOTAL},
    {"channelOwnerChangeHintBody", F_SKIP},
};

static const struct field_def onchain_defs[] = {
    {"type", F_OC_TYPE}, {"chainId", F_OC_CHAIN}, {"blockNumber", F_OC_BLOCK},
    {"blockHash", F_OC_BLOCKHASH}, {"blockTimestamp", F_OC_BLOCKTS},
    {"transactionHash", F_OC_TX}, {"logIndex", F_OC_LOG}, {"fid", F_OC_FID},
    {"txIndex", F_OC_TXINDEX}, {"version", F_OC_VERSION},
    {"signerEventBody", F_O_SIGNER}, {"signerEventBody.key", F_SG_KEY},
    {"signerEventBody.keyType", F_SG_KEYTYPE}, {"signerEventBody.eventType", F_SG_EVTYPE},
    {"signerEventBody.metadata", F_SG_METADATA}, {"signerEventBody.metadataType", F_SG_MDTYPE},
    {"signerMigratedEventBody", F_O_MIGRATED},
    {"signerMigratedEventBody.migratedAt", F_MIG_AT},
    {"idRegisterEventBody", F_O_IDREG}, {"idRegisterEventBody.to", F_IR_TO},
    {"idRegisterEventBody.eventType", F_IR_EVTYPE}, {"idRegisterEventBody.from", F_IR_FROM},
    {"idRegisterEventBody.recoveryAddress", F_IR_RECOVERY},
    {"storageRentEventBody", F_O_STORAGE}, {"storageRentEventBody.payer", F_SR_PAYER},
    {"storageRentEventBody.units", F_SR_UNITS}, {"storageRentEventBody.expiry", F_SR_EXPIRY},
    {"tier_purchase_event_body", F_O_TIER}, {"tier_purchase_event_body.payer", F_TP_PAYER},
    {"tier_purchase_event_body.for_days", F_TP_DAYS},
    {"tier_purchase_event_body.tier_type", F_TP_TIER},
    {"channelRegisterEventBody", F_SKIP},
};

#define TABLE_SIZE FC_DEC_TABLE_SIZE
struct fc_dec_table fc_dec_tables[C_NKINDS];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void table_put(struct fc_dec_table *t, uint64_t h, enum field f, bool only_if_absent)
{
    size_t i = h & (TABLE_SIZE - 1);
    size_t probes = 0;
    while (t->slot[i].key && t->slot[i].key != h) {
        i = (i + 1) & (TABLE_SIZE - 1);
        if (++probes == TABLE_SIZE)
            abort(); /* more paths than slots: a build-time mistake */
    }
    if (t->slot[i].key == h && only_if_absent)
        return;
    t->slot[i].key = h;
    t->slot[i].field = f;
}

/* Hashes "a.b[].c" the way the parser does while walking. */
static uint64_t path_hash(const char *path, uint64_t *prefix_hashes, size_t *n_prefix)
{
    uint64_t h = H_ROOT;
    const char *p = path;
    *n_prefix = 0;
    while (*p) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        bool arr = len >= 2 && p[len - 2] == '[' && p[len - 1] == ']';
        h = hmix(h, p, arr ? len - 2 : len);
        if (arr) {
            prefix_hashes[(*n_prefix)++] = h;
            h = H_ELEM(h);
        }
        if (!dot)
            break;
        prefix_hashes[(*n_prefix)++] = h;
        p = dot + 1;
    }
    return h;
}

static void build_table(enum ctx_kind k, const struct field_def *defs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t prefixes[16];
        size_t np;
        uint64_t h = path_hash(defs[i].path, prefixes, &np);
        table_put(&fc_dec_tables[k], h, defs[i].field, false);
        for (size_t j = 0; j < np; j++)
            table_put(&fc_dec_tables[k], prefixes[j], F_CONTAINER, true);
    }
}

static void build_tables(void)
{
    build_table(C_MSG, msg_defs, sizeof(msg_defs) / sizeof(msg_defs[0]));
    build_table(C_PROOF, proof_defs, sizeof(proof_defs) / sizeof(proof_defs[0]));
    build_table(C_EVENT, event_defs, sizeof(event_defs) / sizeof(event_defs[0]));
    build_table(C_ONCHAIN, onchain_defs, sizeof(onchain_defs) / sizeof(onchain_defs[0]));
}

void fc_dec_fields_init(void)
{
    pthread_once(&tables_once, build_tables);
}

