#include <string.h>

#include "fc/types.h"

static const char *const msg_names[FC_MSG_TYPE_MAX] = {
    [FC_MSG_CAST_ADD] = "MESSAGE_TYPE_CAST_ADD",
    [FC_MSG_CAST_REMOVE] = "MESSAGE_TYPE_CAST_REMOVE",
    [FC_MSG_REACTION_ADD] = "MESSAGE_TYPE_REACTION_ADD",
    [FC_MSG_REACTION_REMOVE] = "MESSAGE_TYPE_REACTION_REMOVE",
    [FC_MSG_LINK_ADD] = "MESSAGE_TYPE_LINK_ADD",
    [FC_MSG_LINK_REMOVE] = "MESSAGE_TYPE_LINK_REMOVE",
    [FC_MSG_VERIFICATION_ADD] = "MESSAGE_TYPE_VERIFICATION_ADD_ETH_ADDRESS",
    [FC_MSG_VERIFICATION_REMOVE] = "MESSAGE_TYPE_VERIFICATION_REMOVE",
    [FC_MSG_USER_DATA_ADD] = "MESSAGE_TYPE_USER_DATA_ADD",
    [FC_MSG_USERNAME_PROOF] = "MESSAGE_TYPE_USERNAME_PROOF",
    [FC_MSG_FRAME_ACTION] = "MESSAGE_TYPE_FRAME_ACTION",
    [FC_MSG_LINK_COMPACT_STATE] = "MESSAGE_TYPE_LINK_COMPACT_STATE",
    [FC_MSG_LEND_STORAGE] = "MESSAGE_TYPE_LEND_STORAGE",
    [FC_MSG_KEY_ADD] = "MESSAGE_TYPE_KEY_ADD",
    [FC_MSG_KEY_REMOVE] = "MESSAGE_TYPE_KEY_REMOVE",
    [FC_MSG_CHANNEL_UPDATE] = "MESSAGE_TYPE_CHANNEL_UPDATE",
    [FC_MSG_CHANNEL_MEMBER] = "MESSAGE_TYPE_CHANNEL_MEMBER",
    [FC_MSG_CHANNEL_PIN] = "MESSAGE_TYPE_CHANNEL_PIN",
    [FC_MSG_CHANNEL_MODERATE] = "MESSAGE_TYPE_CHANNEL_MODERATE",
};

static const char *const event_names[FC_EVENT_TYPE_MAX] = {
    [FC_EVENT_MERGE_MESSAGE] = "HUB_EVENT_TYPE_MERGE_MESSAGE",
    [FC_EVENT_PRUNE_MESSAGE] = "HUB_EVENT_TYPE_PRUNE_MESSAGE",
    [FC_EVENT_REVOKE_MESSAGE] = "HUB_EVENT_TYPE_REVOKE_MESSAGE",
    [FC_EVENT_MERGE_USERNAME_PROOF] = "HUB_EVENT_TYPE_MERGE_USERNAME_PROOF",
    [FC_EVENT_MERGE_ON_CHAIN_EVENT] = "HUB_EVENT_TYPE_MERGE_ON_CHAIN_EVENT",
    [FC_EVENT_MERGE_FAILURE] = "HUB_EVENT_TYPE_MERGE_FAILURE",
    [FC_EVENT_BLOCK_CONFIRMED] = "HUB_EVENT_TYPE_BLOCK_CONFIRMED",
    [FC_EVENT_CHANNEL_OWNER_CHANGE_HINT] = "HUB_EVENT_TYPE_CHANNEL_OWNER_CHANGE_HINT",
};

static const char *const onchain_names[FC_ONCHAIN_TYPE_MAX] = {
    [FC_ONCHAIN_SIGNER] = "EVENT_TYPE_SIGNER",
    [FC_ONCHAIN_SIGNER_MIGRATED] = "EVENT_TYPE_SIGNER_MIGRATED",
    [FC_ONCHAIN_ID_REGISTER] = "EVENT_TYPE_ID_REGISTER",
    [FC_ONCHAIN_STORAGE_RENT] = "EVENT_TYPE_STORAGE_RENT",
    [FC_ONCHAIN_TIER_PURCHASE] = "EVENT_TYPE_TIER_PURCHASE",
    [FC_ONCHAIN_CHANNEL_REGISTER] = "EVENT_TYPE_CHANNEL_REGISTER",
};

int fc_name_index(const char *const *names, int count, const char *s, size_t n)
{
    /* Without a NUL in s, strncmp equal means names[i] has n bytes before
     * its own NUL, so names[i][n] is inside it. */
    if (n == 0 || memchr(s, '\0', n))
        return -1;
    for (int i = 0; i < count; i++)
        if (names[i] && strncmp(names[i], s, n) == 0 && names[i][n] == '\0')
            return i;
    return -1;
}

/* Index 0 of each table is its NONE value, never a name. */
static int lookup(const char *const *names, int count, const char *s, size_t n)
{
    int i = fc_name_index(names + 1, count - 1, s, n);
    return i < 0 ? 0 : i + 1;
}

const char *fc_msg_type_name(enum fc_msg_type t)
{
    return t > 0 && t < FC_MSG_TYPE_MAX ? msg_names[t] : NULL;
}

const char *fc_event_type_name(enum fc_event_type t)
{
    return t > 0 && t < FC_EVENT_TYPE_MAX ? event_names[t] : NULL;
}

const char *fc_onchain_type_name(enum fc_onchain_type t)
{
    return t > 0 && t < FC_ONCHAIN_TYPE_MAX ? onchain_names[t] : NULL;
}

enum fc_msg_type fc_msg_type_parse(const char *s, size_t n)
{
    return (enum fc_msg_type)lookup(msg_names, FC_MSG_TYPE_MAX, s, n);
}

enum fc_event_type fc_event_type_parse(const char *s, size_t n)
{
    return (enum fc_event_type)lookup(event_names, FC_EVENT_TYPE_MAX, s, n);
}

enum fc_onchain_type fc_onchain_type_parse(const char *s, size_t n)
{
    return (enum fc_onchain_type)lookup(onchain_names, FC_ONCHAIN_TYPE_MAX, s, n);
}
