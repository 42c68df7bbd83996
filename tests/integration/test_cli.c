/* The fcindex binary's command surface: version, help, config check/show,
 * and that docs/config.md matches the option table. */
#include "support/testenv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int run(const char *const *args, const char *const *env, struct fc_buf *out)
{
    return fct_fcindex(args, env, out);
}

static void version_and_help(void **state)
{
    (void)state;
    struct fc_buf out = FC_BUF_INIT;
    assert_int_equal(run((const char *[]){"--version", NULL}, NULL, &out), 0);
    assert_true(strncmp(out.data, "fcindex ", 8) == 0);
    assert_int_equal(run((const char *[]){"help", NULL}, NULL, &out), 0);
    assert_non_null(strstr(out.data, "migrate"));
    assert_non_null(strstr(out.data, "config"));
    assert_int_equal(run((const char *[]){"help", "migrate", NULL}, NULL, &out), 0);
    assert_non_null(strstr(out.data, "usage: fcindex migrate"));
    assert_int_equal(run((const char *[]){"migrate", "--help", NULL}, NULL, &out), 0);
    assert_non_null(strstr(out.data, "usage: fcindex migrate"));
    assert_int_equal(run((const char *[]){"help", "nosuch", NULL}, NULL, &out), 2);
    assert_int_equal(run((const char *[]){"nosuch", NULL}, NULL, &out), 2);
    assert_non_null(strstr(out.data, "unknown command \"nosuch\""));
    assert_int_equal(run((const char *[]){"--config", NULL}, NULL, &out), 2);
    assert_int_equal(run((const char *[]){"migrate", "sideways", NULL}, NULL, &out), 2);
    fc_buf_cleanup(&out);
}

static void config_check_reports_and_exits_nonzero(void **state)
{
    (void)state;
    struct fc_buf out = FC_BUF_INIT;
    char *bad = fct_write_temp("[database]\npool_size = lots\n[api]\nlisten = 127.0.0.1:8080\n");
    assert_int_equal(run((const char *[]){"config", "check", bad, NULL}, NULL, &out), 1);
    char want[256];
    snprintf(want, sizeof(want), "%s:2: database.pool_size: expected an integer", bad);
    assert_non_null(strstr(out.data, want));
    unlink(bad);
    free(bad);

    char *good = fct_write_temp("[strategy]\nroot_targets = 3\n[hubs]\nurls = http://h:3381\n");
    assert_int_equal(run((const char *[]){"config", "check", good, NULL}, NULL, &out), 0);
    assert_non_null(strstr(out.data, "configuration OK"));
    assert_non_null(strstr(out.data, "1 hub"));
    /* --set and env are part of the check too. */
    assert_int_equal(run((const char *[]){"--set", "log.level=chatty", "config", "check", good,
                                          NULL}, NULL, &out), 1);
    assert_non_null(strstr(out.data, "--set: log.level"));
    const char *env[] = {"FCINDEX_API_LISTEN=nonsense", NULL};
    assert_int_equal(run((const char *[]){"config", "check", good, NULL}, env, &out), 1);
    assert_non_null(strstr(out.data, "env FCINDEX_API_LISTEN"));
    unlink(good);
    free(good);

    assert_int_equal(run((const char *[]){"config", "check", "/nonexistent.ini", NULL}, NULL,
                         &out), 1);
    assert_non_null(strstr(out.data, "/nonexistent.ini: cannot open"));
    fc_buf_cleanup(&out);
}

static void config_show_masks_secrets(void **state)
{
    (void)state;
    struct fc_buf out = FC_BUF_INIT;
    const char *env[] = {"DATABASE_URL=postgresql://u:topsecret@h/db", "ADMIN_PASSWORD=pw-xyz-long-enough-1",
                         NULL};
    assert_int_equal(run((const char *[]){"config", "show", NULL}, env, &out), 0);
    assert_null(strstr(out.data, "topsecret"));
    assert_null(strstr(out.data, "pw-xyz"));
    assert_non_null(strstr(out.data, "url = postgresql://u:***@h/db  ; env DATABASE_URL"));
    fc_buf_cleanup(&out);
}

static void config_docs_are_current(void **state)
{
    (void)state;
    struct fc_buf out = FC_BUF_INIT;
    assert_int_equal(run((const char *[]){"config", "docs", NULL}, NULL, &out), 0);
    char path[1024];
    snprintf(path, sizeof(path), "%s/docs/config.md", fct_require_env("FCINDEX_SOURCE_DIR"));
    char *file = fc_read_file(path, NULL);
    assert_non_null(file);
    if (strcmp(file, out.data) != 0)
        fail_msg("docs/config.md is stale: run `build/fcindex config docs > docs/config.md`");
    free(file);
    fc_buf_cleanup(&out);
}

FCT_MAIN(NULL, NULL, version_and_help, config_check_reports_and_exits_nonzero,
         config_show_masks_secrets, config_docs_are_current)
