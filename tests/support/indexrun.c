#include "support/indexrun.h"

#include <stdio.h>

int fct_index_cmd(const char *const *env, const char *a, const char *b, const char *c,
                  const char *d, struct fc_buf *out)
{
    const char *argv[] = {fct_fcindex_bin(), a, b, c, d, NULL};
    struct fc_buf local = FC_BUF_INIT;
    if (!out)
        out = &local;
    int rc = fct_run(argv, env, out);
    if (rc != 0)
        fprintf(stderr, "fcindex %s %s: rc %d: %s\n", a, b ? b : "", rc, out->data);
    fc_buf_cleanup(&local);
    return rc;
}

void fct_index_fully(const char *const *env, const char *db)
{
    for (int round = 0; round < 6; round++) {
        assert_int_equal(fct_index_cmd(env, "backfill", "--all-unsynced", "--wait", NULL, NULL),
                         0);
        assert_int_equal(fct_index_cmd(env, "sync", "--until-head", NULL, NULL, NULL), 0);
        if (fct_sql_ll(db, "SELECT count(*) FROM targets WHERE last_synced_at IS NULL") == 0)
            return;
    }
    fail_msg("targets still pending after 6 rounds");
}

char *fct_index_fingerprint(const char *db, bool with_text)
{
    struct fc_buf sql = FC_BUF_INIT;
    fc_buf_puts(&sql, "SELECT md5(concat_ws('|',");
    if (with_text)
        fc_buf_puts(&sql, " (SELECT string_agg(encode(hash,'hex')||':'||fid||':'||"
                          "coalesce(md5(text),'~')||':'||coalesce(deleted_reason,'-')||':'||"
                          "coalesce(encode(parent_hash,'hex'),''), ',' ORDER BY hash) FROM casts),");
    static const char *const removable[] = {"reactions", "links", "verifications"};
    for (size_t i = 0; i < sizeof(removable) / sizeof(removable[0]); i++)
        fc_buf_printf(&sql, " (SELECT string_agg(encode(hash,'hex')||':'||is_remove||':'||"
                            "coalesce(deleted_reason,'-'), ',' ORDER BY hash) FROM %s),",
                      removable[i]);
    if (with_text)
        fc_buf_puts(&sql, " (SELECT string_agg(fid||':'||type||':'||md5(value)||':'||"
                          "coalesce(deleted_reason,'-'), ',' ORDER BY fid, type) FROM user_data),");
    fc_buf_printf(&sql, " (SELECT string_agg(fid||':'||%scoalesce(app_fid::text,'')||':'||"
                        "coalesce(encode(custody_address,'hex'),'')||':'||"
                        "coalesce(encode(recovery_address,'hex'),''), ',' ORDER BY fid) FROM users),",
                  with_text ? "coalesce(username,'')||':'||coalesce(md5(bio),'')||':'||" : "");
    fc_buf_puts(&sql, " (SELECT string_agg(fid||':'||is_root||':'||source||':'||"
                      "(last_synced_at IS NOT NULL), ',' ORDER BY fid) FROM targets),");
    if (with_text)
        fc_buf_puts(&sql, " (SELECT string_agg(name||':'||fid, ',' ORDER BY name) "
                          "FROM username_proofs),");
    fc_buf_puts(&sql, " (SELECT string_agg(fid||':'||encode(key,'hex')||':'||"
                      "coalesce(request_fid::text,'')||':'||(removed_at IS NULL), ',' "
                      "ORDER BY fid, key) FROM signers),"
                      " (SELECT string_agg(chain_id||':'||encode(transaction_hash,'hex')||':'||"
                      "log_index, ',' ORDER BY chain_id, transaction_hash, log_index) "
                      "FROM onchain_events),"
                      " (SELECT string_agg(hub||':'||shard||':'||event_id, ',' ORDER BY hub, "
                      "shard) FROM hub_cursors)))");
    char *fp = fct_sql_value(db, sql.data);
    fc_buf_cleanup(&sql);
    return fp;
}
