/* Fuzz target: the hub JSON decoder, fed in two chunks at an input-chosen
 * split (as curl delivers bytes), in auto mode and as each page kind. */
#include <stdint.h>
#include <string.h>

#include "core/buf.h"
#include "fc/decode.h"
#include "fc/emit.h"
#include "fc/msgdata.h"
#include "fc/verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Rebuilding and verifying read every field the hash covers. */
static void verify(const struct fc_message *m, struct fc_buf *b)
{
    if (!m)
        return;
    enum fc_msgdata_source src;
    enum fc_verify_result r = fc_verify_message(m, b, &src);
    if ((r == FC_VERIFY_OK) != (src != FC_MSGDATA_NONE) && r != FC_VERIFY_BAD_SIGNATURE)
        __builtin_trap(); /* a source is named exactly when the hash matched */
    fc_buf_reset(b);
    /* a decoded message the encoder refuses is fine here: only crashes and
     * sanitizer reports are findings */
    fc_err_ignore(fc_msgdata_encode(m, FC_PB_PROST, b, NULL));
}

static void sink(void *ud, const struct fc_item *it)
{
    struct fc_buf *b = ud;
    fc_buf_reset(b);
    fc_emit_item(it, b); /* exercise every field the decoder produced */
    if (it->kind == FC_ITEM_MESSAGE)
        verify(it->message, b);
    if (it->kind == FC_ITEM_EVENT) {
        verify(it->event->message, b);
        for (size_t i = 0; i < it->event->n_deleted; i++)
            verify(it->event->deleted[i], b);
        verify(it->event->proof_message, b);
        verify(it->event->deleted_proof_message, b);
    }
    if (it->kind == FC_ITEM_ERROR && it->raw_len && it->raw[0] != '{' && it->raw[0] != ' ' &&
        !(it->raw[0] >= '0' && it->raw[0] <= '9') && it->raw[0] != '-' && it->raw[0] != '"')
        __builtin_trap(); /* an item's raw bytes start at its object (or fid scalar) */
    if (it->kind != FC_ITEM_ERROR && it->raw)
        __builtin_trap(); /* only error items carry raw bytes */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (1 << 20))
        return 0;
    size_t split = data[0] % (size);
    const char *text = (const char *)data + 1;
    size_t n = size - 1;
    if (split > n)
        split = n;
    for (int kind = FC_PAGE_AUTO; kind <= FC_PAGE_FIDS; kind++) {
        struct fc_buf out = FC_BUF_INIT;
        struct fc_decoder *d = fc_decoder_new((enum fc_page_kind)kind, sink, &out);
        struct fc_diag diag;
        struct fc_page_info info;
        if (fc_decoder_feed(d, text, split, &diag) == FC_OK &&
            fc_decoder_feed(d, text + split, n - split, &diag) == FC_OK)
            fc_err_ignore(fc_decoder_finish(d, &info, &diag)); /* fuzzed input may be invalid */
        fc_decoder_free(d);
        fc_buf_cleanup(&out);
    }
    return 0;
}
