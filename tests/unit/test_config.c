/* Configuration: a good file, each kind of bad input and its message,
 * precedence of file/env/--set, profile defaults, hub sections. */
#include "support/testenv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "core/fid_parse.h"

struct loaded {
    struct fc_config cfg;
    struct fc_buf errors;
    enum fc_err err;
};

static void load(struct loaded *l, const char *file_text, char **envp, const char *const *sets,
                 size_t n_sets)
{
    char *path = file_text ? fct_write_temp(file_text) : NULL;
    struct fc_config_sources src = {.file = path, .envp = envp, .sets = sets, .n_sets = n_sets};
    memset(&l->errors, 0, sizeof(l->errors));
    l->err = fc_config_load(&l->cfg, &src, &l->errors);
    if (path) {
        unlink(path);
        free(path);
    }
}

static void unload(struct loaded *l)
{
    fc_config_cleanup(&l->cfg);
    fc_buf_cleanup(&l->errors);
}

static const char good[] =
    "; a complete file\n"
    "[general]\nprofile = development\n"
    "[database]\nurl = postgresql://fc:pw@127.0.0.1:5432/fc\nstatement_timeout_ms = 5000\n"
    "[redis]\nurl =\n"
    "[hubs]\nurls = primary, http://backup.example:3381/\ntimeout_ms = 20000\n"
    "[hub \"primary\"]\nurl = http://hub.example:3381\n"
    "header = x-api-key: ${TEST_HUB_KEY}\nbudget_rps = 50\n"
    "[strategy]\nroot_targets = 3, 5650,\n  194\ntarget_clients = 9152\n"
    "client_discovery = off\nexpansion_depth = 2\n"
    "[api]\nlisten = 0.0.0.0:9000\n"
    "[auth]\ncookie_secure = false\n"
    "[log]\nlevel = debug\nformat = json\n";

static void good_file(void **state)
{
    (void)state;
    char *env[] = {"TEST_HUB_KEY=k-123", NULL};
    struct loaded l;
    load(&l, good, env, NULL, 0);
    assert_int_equal(l.err, FC_OK);
    struct fc_config *c = &l.cfg;
    assert_string_equal(c->database_url, "postgresql://fc:pw@127.0.0.1:5432/fc");
    assert_int_equal(c->db_statement_timeout_ms, 5000);
    assert_string_equal(c->redis_url, "");
    assert_int_equal(c->n_hubs, 2);
    assert_string_equal(c->hubs[0].name, "primary");
    assert_string_equal(c->hubs[0].url, "http://hub.example:3381");
    assert_int_equal(c->hubs[0].n_headers, 1);
    assert_string_equal(c->hubs[0].headers[0], "x-api-key: k-123");
    assert_int_equal(c->hubs[0].budget_rps, 50);
    assert_int_equal(c->hubs[0].timeout_ms, 20000); /* inherited from [hubs] */
    assert_string_equal(c->hubs[1].url, "http://backup.example:3381");
    assert_int_equal(c->n_root_targets, 3);
    assert_int_equal(c->root_targets[0], 3);
    assert_int_equal(c->root_targets[1], 5650);
    assert_int_equal(c->root_targets[2], 194);
    assert_int_equal(c->n_target_clients, 1);
    assert_int_equal(c->target_clients[0], 9152);
    assert_false(c->client_discovery);
    assert_int_equal(c->expansion_depth, 2);
    assert_string_equal(c->api_listen, "0.0.0.0:9000");
    assert_false(c->cookie_secure);
    assert_string_equal(c->log_level, "debug");
    assert_string_equal(c->log_format, "json");
    unload(&l);
}

/* Each bad file must fail and name file:line and the key. */
static void bad_inputs_are_reported_with_line_and_key(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *expect1;
        const char *expect2;
    } cases[] = {
        {"[database]\nurl = postgresql://x/y\npool_sise = 3\n", ":3: ", "unknown key \"pool_sise\""},
        {"[databse]\nurl = x\n", ":2: ", "unknown section [databse]"},
        {"[database]\npool_size = many\n", ":2: ", "database.pool_size: expected an integer"},
        {"[database]\npool_size = 0\n", ":2: ", "out of range [1, 1000]"},
        {"[strategy]\nclient_discovery = maybe\n", ":2: ", "expected true or false"},
        {"[log]\nlevel = loud\n", ":2: ", "not one of error|warn|info|debug"},
        {"[strategy]\nroot_targets = 1, two\n", ":2: ", "fid \"two\" is not a positive integer"},
        {"[strategy]\nroot_targets = 0\n", ":2: ", "out of range"},
        {"[database]\nurl = nowhere\n", ":2: ", "is not a URL"},
        {"url = x\n", ":1: ", "outside any [section]"},
        {"[api]\nlisten = 8080\n", "api.listen", "expected host:port"},
        {"[hub \"a\"]\nurl = ftp:/x\n", ":2: ", "not an http(s) URL"},
        {"[hub \"a\"]\nurl = http://a\nheader = x-api-key: ${NOPE_UNSET}\n", ":3: ",
         "NOPE_UNSET is not set"},
        {"[hub \"a\"]\nurl = http://a\ncolour = red\n", ":3: ", "unknown key \"colour\""},
        {"[hub a]\nurl = http://a\n", ":2: ", "bad hub section"},
        {"[hubs]\nurls = not a url\n", "hubs.urls", "neither an http(s) URL"},
        {"[log]\nlevel = info\nlevel = debug\n", ":3: ", "set twice (first at"},
        {"[database]\nthis line has no equals sign\n", ":2: ", "syntax error"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct loaded l;
        char *env[] = {NULL};
        load(&l, cases[i].text, env, NULL, 0);
        if (l.err != FC_ERR_INVALID || !l.errors.data || !strstr(l.errors.data, cases[i].expect1) ||
            !strstr(l.errors.data, cases[i].expect2)) {
            print_error("case %zu: err=%d errors=%s\n", i, l.err,
                        l.errors.data ? l.errors.data : "(none)");
            fail();
        }
        unload(&l);
    }
}

static void every_problem_is_reported(void **state)
{
    (void)state;
    struct loaded l;
    char *env[] = {NULL};
    load(&l, "[database]\npool_size = x\n[api]\nmax_body_bytes = 1\n[nope]\na = b\n", env, NULL, 0);
    assert_int_equal(l.err, FC_ERR_INVALID);
    int lines = 0;
    for (char *p = l.errors.data; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 3);
    unload(&l);
}

static void overlong_line_is_an_error_not_a_truncation(void **state)
{
    (void)state;
    struct fc_buf text = FC_BUF_INIT;
    fc_buf_puts(&text, "[strategy]\nroot_targets = 1");
    for (int i = 0; i < 100; i++)
        fc_buf_puts(&text, ",12345");
    fc_buf_puts(&text, "\n[log]\nlevel = debug\n");
    struct loaded l;
    char *env[] = {NULL};
    load(&l, text.data, env, NULL, 0);
    assert_int_equal(l.err, FC_ERR_INVALID);
    assert_non_null(strstr(l.errors.data, ":2: line longer than"));
    assert_string_equal(l.cfg.log_level, "debug"); /* later lines still parsed */
    unload(&l);
    fc_buf_cleanup(&text);
}

static void precedence_default_file_env_cli(void **state)
{
    (void)state;
    const char *file = "[log]\nlevel = warn\nformat = json\n[api]\nlisten = 127.0.0.1:1\n"
                       "[database]\nurl = postgresql://file/db\n";
    char *env[] = {"FCINDEX_LOG_LEVEL=error", "FCINDEX_API_LISTEN=127.0.0.1:2",
                   "DATABASE_URL=postgresql://plain/db", NULL};
    const char *sets[] = {"api.listen=127.0.0.1:3"};
    struct loaded l;
    load(&l, file, env, sets, 1);
    assert_int_equal(l.err, FC_OK);
    assert_string_equal(l.cfg.log_format, "json");          /* file over default */
    assert_string_equal(l.cfg.log_level, "error");          /* env over file */
    assert_string_equal(l.cfg.api_listen, "127.0.0.1:3");   /* --set over env */
    assert_string_equal(l.cfg.database_url, "postgresql://plain/db"); /* alias over file */
    assert_int_equal(l.cfg.api_max_body_bytes, 65536);      /* default */
    struct fc_buf show = FC_BUF_INIT;
    fc_config_show(&l.cfg, &show);
    assert_non_null(strstr(show.data, "level = error  ; env FCINDEX_LOG_LEVEL"));
    assert_non_null(strstr(show.data, "listen = 127.0.0.1:3  ; --set"));
    assert_non_null(strstr(show.data, "format = json  ; "));
    fc_buf_cleanup(&show);
    unload(&l);

    /* The FCINDEX_ form wins over the plain alias. */
    char *env2[] = {"DATABASE_URL=postgresql://plain/db", "FCINDEX_DATABASE_URL=postgresql://fc/db",
                    "REDIS_HOST=10.0.0.9", "REDIS_PORT=6390", NULL};
    load(&l, NULL, env2, NULL, 0);
    assert_int_equal(l.err, FC_OK);
    assert_string_equal(l.cfg.database_url, "postgresql://fc/db");
    assert_string_equal(l.cfg.redis_url, "redis://10.0.0.9:6390");
    unload(&l);
}

static void env_and_cli_errors_name_their_origin(void **state)
{
    (void)state;
    char *env[] = {"FCINDEX_DATABASE_POOL_SIZE=abc", "FCINDEX_LOG_LEVL=debug", NULL};
    const char *sets[] = {"api.nothing=1", "noequals"};
    struct loaded l;
    load(&l, NULL, env, sets, 2);
    assert_int_equal(l.err, FC_ERR_INVALID);
    assert_non_null(strstr(l.errors.data, "env FCINDEX_DATABASE_POOL_SIZE: database.pool_size"));
    assert_non_null(strstr(l.errors.data, "env FCINDEX_LOG_LEVL: unknown configuration key"));
    assert_non_null(strstr(l.errors.data, "--set api.nothing=1: unknown key api.nothing"));
    assert_non_null(strstr(l.errors.data, "--set noequals: expected section.key=value"));
    unload(&l);
}

static void profile_defaults_and_overrides(void **state)
{
    (void)state;
    static const struct {
        const char *profile;
        int pool, lifetime, keepalive;
    } want[] = {
        {"production", 20, 1800, 30},
        {"development", 10, 600, 30},
        {"test", 5, 300, 10},
    };
    for (int i = 0; i < 3; i++) {
        char set[64];
        snprintf(set, sizeof(set), "general.profile=%s", want[i].profile);
        const char *sets[] = {set, "auth.jwt_secret=0123456789abcdef0123456789abcdef-x",
                              "auth.admin_password=a-long-unguessable-password"};
        struct loaded l;
        char *env[] = {NULL};
        load(&l, NULL, env, sets, 3);
        assert_int_equal(l.err, FC_OK);
        assert_int_equal(l.cfg.db_pool_size, want[i].pool);
        assert_int_equal(l.cfg.db_conn_lifetime_s, want[i].lifetime);
        assert_int_equal(l.cfg.db_keepalive_s, want[i].keepalive);
        unload(&l);
    }
    /* An explicit value wins over the profile's default, whatever the order. */
    struct loaded l;
    char *env[] = {"FCINDEX_PROFILE=test", NULL};
    load(&l, "[database]\npool_size = 7\n", env, NULL, 0);
    assert_int_equal(l.err, FC_OK);
    assert_int_equal(l.cfg.profile, FC_PROFILE_TEST);
    assert_int_equal(l.cfg.db_pool_size, 7);
    assert_int_equal(l.cfg.db_conn_lifetime_s, 300);
    unload(&l);
}

/* No secret ships: empty ones are generated at the first start (so an
 * empty configuration loads), and a configured one must be strong. */
static void weak_secrets_are_refused(void **state)
{
    (void)state;
    struct loaded l;
    char *env[] = {NULL};
    const char *sets[] = {"general.profile=production"};
    load(&l, NULL, env, sets, 1);
    assert_int_equal(l.err, FC_OK);
    assert_string_equal(l.cfg.jwt_secret, "");
    assert_string_equal(l.cfg.admin_password, "");
    unload(&l);

    static const struct {
        const char *profile, *password, *want; /* want NULL: accepted */
    } cases[] = {
        {"development", "admin", "the password is shorter than 12 characters"},
        {"development", "aaaaaaaaaaaaaaaaaaaa", "fewer than 5 different characters"},
        {"development", "correct horse battery", NULL},
        {"production", "correct horse", "shorter than 16 characters"},
        {"production", "abcdefabcdefabcdef", "fewer than 8 different characters"},
        {"production", "Password2024!#xyz", "a common word"},
        {"production", "correct horse battery", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char p1[64], p2[96];
        snprintf(p1, sizeof(p1), "general.profile=%s", cases[i].profile);
        snprintf(p2, sizeof(p2), "auth.admin_password=%s", cases[i].password);
        const char *s2[] = {p1, p2};
        load(&l, NULL, env, s2, 2);
        if (!cases[i].want) {
            if (l.err)
                fail_msg("%s/%s refused: %s", cases[i].profile, cases[i].password,
                         l.errors.data);
        } else {
            assert_int_equal(l.err, FC_ERR_INVALID);
            if (!strstr(l.errors.data, cases[i].want))
                fail_msg("%s/%s: want \"%s\" in %s", cases[i].profile, cases[i].password,
                         cases[i].want, l.errors.data);
        }
        unload(&l);
    }

    const char *sets2[] = {"general.profile=development", "auth.jwt_secret=short",
                           "auth.admin_password_hash=$argon2id$v=19$m=65536,t=2,p=1$x$y",
                           "auth.admin_password=admin"};
    load(&l, NULL, env, sets2, 4);
    assert_int_equal(l.err, FC_ERR_INVALID);
    assert_non_null(strstr(l.errors.data, "at least 32 bytes"));
    assert_null(strstr(l.errors.data, "admin_password:")); /* the hash wins over the plain one */
    unload(&l);
}

static void secrets_are_masked_by_show(void **state)
{
    (void)state;
    char *env[] = {"TEST_HUB_KEY=supersecretkey", "JWT_SECRET=jwt-very-secret-0123456789abcdefghijkl", NULL};
    struct loaded l;
    load(&l, good, env, NULL, 0);
    assert_int_equal(l.err, FC_OK);
    struct fc_buf show = FC_BUF_INIT;
    fc_config_show(&l.cfg, &show);
    assert_null(strstr(show.data, "supersecretkey"));
    assert_null(strstr(show.data, "jwt-very-secret"));
    assert_null(strstr(show.data, ":pw@"));
    assert_non_null(strstr(show.data, "header = x-api-key: ***"));
    assert_non_null(strstr(show.data, "jwt_secret = ***  ; env JWT_SECRET"));
    fc_buf_cleanup(&show);
    unload(&l);
}

static void fid_parsing(void **state)
{
    (void)state;
    uint64_t fid;
    struct fc_diag d;
    assert_int_equal(fc_parse_fid("9152", &fid, &d), FC_OK);
    assert_int_equal(fid, 9152);
    assert_int_equal(fc_parse_fid("-1", &fid, &d), FC_ERR_INVALID);
    assert_int_equal(fc_parse_fid("1e3", &fid, &d), FC_ERR_INVALID);
    assert_int_equal(fc_parse_fid("99999999999999999999", &fid, &d), FC_ERR_INVALID);
    assert_int_equal(fc_parse_fid("", &fid, &d), FC_ERR_INVALID);
    uint64_t *list;
    size_t n;
    assert_int_equal(fc_parse_fid_list("  ", &list, &n, &d), FC_OK);
    assert_int_equal(n, 0);
    free(list);
    assert_int_equal(fc_parse_fid_list("1,,2", &list, &n, &d), FC_ERR_INVALID);
    /* blanks around items are not part of them; a trailing comma ends the list */
    assert_int_equal(fc_parse_fid_list(" 3 ,\t4\t,5,", &list, &n, &d), FC_OK);
    assert_int_equal(n, 3);
    assert_int_equal(list[0], 3);
    assert_int_equal(list[1], 4);
    assert_int_equal(list[2], 5);
    free(list);
}

FCT_MAIN(NULL, NULL, good_file, bad_inputs_are_reported_with_line_and_key,
         every_problem_is_reported, overlong_line_is_an_error_not_a_truncation,
         precedence_default_file_env_cli, env_and_cli_errors_name_their_origin,
         profile_defaults_and_overrides, weak_secrets_are_refused, secrets_are_masked_by_show,
         fid_parsing)
