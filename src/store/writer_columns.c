/* Column encoding, written once for both write paths: a statement
 * parameter per column (the row path) or PostgreSQL array text per column
 * (the set-wise path, {a,"b",NULL}), and the columns of each message kind
 * in statement order. */
#include "store/writer_internal.h"

#include <stdio.h>
#include <string.h>

#include "core/fctime.h"
#include "core/hex.h"

/* ---- statement parameters (row path) ---- */

void p_null(struct params *p)
{
    p->v[p->n] = NULL;
    p->len[p->n] = 0;
    p->fmt[p->n] = 0;
    p->n++;
}

void p_text(struct params *p, const char *s)
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

void p_u64(struct params *p, uint64_t v)
{
    snprintf(p->buf[p->n], sizeof(p->buf[p->n]), "%llu", (unsigned long long)v);
    p_text(p, p->buf[p->n]);
}

void p_bool(struct params *p, bool v)
{
    p_text(p, v ? "t" : "f");
}

void p_bytes(struct params *p, const uint8_t *b, size_t n)
{
    p->v[p->n] = (const char *)b;
    p->len[p->n] = (int)n;
    p->fmt[p->n] = 1;
    p->n++;
}

/* ---- array text (set-wise path) ---- */

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

/* p is not NULL: e_bytes writes NULL itself. */
static void col_bytes(struct col *c, const uint8_t *p, size_t n)
{
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

const char *col_done(struct col *c)
{
    if (!c->n)
        fc_buf_puts(&c->b, "{");
    fc_buf_putc(&c->b, '}');
    return c->b.data;
}

/* ---- one column, to either path ---- */

static void e_null(struct enc *e)
{
    if (e->p)
        p_null(e->p);
    else
        col_null(&e->cols[e->i]);
    e->i++;
}

/* s is NUL-terminated (n is its length); NULL is SQL NULL. */
static void e_text(struct enc *e, const char *s, size_t n)
{
    if (e->p)
        p_text(e->p, s);
    else
        col_text(&e->cols[e->i], s, n);
    e->i++;
}

static void e_cstr(struct enc *e, const char *s)
{
    e_text(e, s, s ? strlen(s) : 0);
}

static void e_u64(struct enc *e, uint64_t v)
{
    if (e->p)
        p_u64(e->p, v);
    else
        col_u64(&e->cols[e->i], v);
    e->i++;
}

static void e_bool(struct enc *e, bool v)
{
    if (e->p)
        p_bool(e->p, v);
    else
        col_bool(&e->cols[e->i], v);
    e->i++;
}

/* NULL b is SQL NULL. */
static void e_bytes(struct enc *e, const uint8_t *b, size_t n)
{
    if (!b)
        e_null(e);
    else if (e->p) {
        p_bytes(e->p, b, n);
        e->i++;
    } else {
        col_bytes(&e->cols[e->i], b, n);
        e->i++;
    }
}

void enc_cleanup(struct enc *e)
{
    for (size_t i = 0; i < sizeof(e->scratch) / sizeof(e->scratch[0]); i++)
        fc_buf_cleanup(&e->scratch[i]);
}

/* ---- the columns of each message kind ---- */

static uint64_t unix_s(uint32_t fc_ts)
{
    return (uint64_t)fc_time_to_unix(fc_ts);
}

/* hash fid ts text text_had_nul type parent_hash parent_fid parent_url
 * embeds mentions positions signer */
void enc_cast_add(struct enc *e, const struct fc_message *m)
{
    const __typeof__(m->body.cast_add) *c = &m->body.cast_add;
    struct fc_buf *embeds = &e->scratch[0], *mentions = &e->scratch[1],
                  *positions = &e->scratch[2];
    fc_buf_reset(embeds);
    fc_buf_reset(mentions);
    fc_buf_reset(positions);
    cast_columns(m, embeds, mentions, positions);
    e_bytes(e, m->hash, 20);
    e_u64(e, m->fid);
    e_u64(e, unix_s(m->fc_ts));
    e_text(e, c->text, c->text_len);
    e_bool(e, c->text_had_nul);
    e_u64(e, (uint64_t)c->cast_type);
    e_bytes(e, c->has_parent_cast ? c->parent.hash : NULL, 20);
    if (c->has_parent_cast)
        e_u64(e, c->parent.fid);
    else
        e_null(e);
    e_text(e, c->parent_url, c->parent_url_len);
    e_text(e, embeds->data, embeds->len);
    e_text(e, mentions->data, mentions->len);
    e_text(e, positions->data, positions->len);
    e_bytes(e, m->signer_len ? m->signer : NULL, m->signer_len);
}

/* target_hash fid hash ts */
void enc_cast_remove(struct enc *e, const struct fc_message *m)
{
    e_bytes(e, m->body.cast_remove.target_hash, 20);
    e_u64(e, m->fid);
    e_bytes(e, m->hash, 20);
    e_u64(e, unix_s(m->fc_ts));
}

/* hash fid type removed target_hash target_fid target_url ts */
void enc_reaction(struct enc *e, const struct fc_message *m)
{
    const __typeof__(m->body.reaction) *r = &m->body.reaction;
    e_bytes(e, m->hash, 20);
    e_u64(e, m->fid);
    e_u64(e, (uint64_t)r->reaction_type);
    e_bool(e, m->type == FC_MSG_REACTION_REMOVE);
    e_bytes(e, r->has_target_cast ? r->target.hash : NULL, 20);
    if (r->has_target_cast)
        e_u64(e, r->target.fid);
    else
        e_null(e);
    e_text(e, r->has_target_cast ? NULL : r->target_url, r->target_url_len);
    e_u64(e, unix_s(m->fc_ts));
}

/* hash fid target_fid type removed ts display_ts */
void enc_link(struct enc *e, const struct fc_message *m)
{
    const __typeof__(m->body.link) *l = &m->body.link;
    e_bytes(e, m->hash, 20);
    e_u64(e, m->fid);
    e_u64(e, l->target_fid);
    e_cstr(e, l->link_type);
    e_bool(e, m->type == FC_MSG_LINK_REMOVE);
    e_u64(e, unix_s(m->fc_ts));
    if (l->has_display_ts)
        e_u64(e, unix_s(l->display_fc_ts));
    else
        e_null(e);
}

/* hash fid address protocol removed type chain_id block_hash ts */
void enc_verification(struct enc *e, const struct fc_message *m)
{
    const __typeof__(m->body.verification) *v = &m->body.verification;
    e_bytes(e, m->hash, 20);
    e_u64(e, m->fid);
    e_bytes(e, v->address, v->address_len);
    e_u64(e, (uint64_t)v->protocol);
    e_bool(e, m->type == FC_MSG_VERIFICATION_REMOVE);
    e_u64(e, v->verification_type);
    e_u64(e, v->chain_id);
    e_bytes(e, v->block_hash_len ? v->block_hash : NULL, v->block_hash_len);
    e_u64(e, unix_s(m->fc_ts));
}

/* fid type value hash ts */
void enc_user_data(struct enc *e, const struct fc_message *m)
{
    e_u64(e, m->fid);
    e_u64(e, (uint64_t)m->body.user_data.user_data_type);
    e_text(e, m->body.user_data.value, m->body.user_data.value_len);
    e_bytes(e, m->hash, 20);
    e_u64(e, unix_s(m->fc_ts));
}
