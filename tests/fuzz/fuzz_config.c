/* Fuzz target: the configuration loader over all three sources at once.
 * The input is split at the first two NUL bytes: the INI file's text, then
 * environment entries and --set entries (one per line). Properties: loading
 * never crashes; a refused configuration always says why; an accepted one
 * can be shown, with no secret value in the output. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Splits text (NUL-terminated copy) at '\n' into a NULL-terminated array. */
static char **lines(char *text, size_t *n_out)
{
    size_t cap = 1;
    for (char *p = text; *p; p++)
        cap += *p == '\n';
    char **v = calloc(cap + 1, sizeof(*v));
    size_t n = 0;
    for (char *p = text; p && *p;) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        if (*p)
            v[n++] = p;
        p = nl ? nl + 1 : NULL;
    }
    *n_out = n;
    return v;
}

/* The line "key = ..." of shown must not hold value. */
static void secret_masked(const char *shown, const char *key, const char *value)
{
    if (!value || strlen(value) < 4)
        return;
    size_t kl = strlen(key);
    for (const char *line = shown; line && *line;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        if (len > kl && strncmp(line, key, kl) == 0 && line[kl] == ' ') {
            char *l = strndup(line, len);
            if (strstr(l, value))
                __builtin_trap();
            free(l);
        }
        line = nl ? nl + 1 : NULL;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size + 2);
    memcpy(copy, data, size);
    copy[size] = copy[size + 1] = '\0';
    char *ini = copy;
    size_t ini_len = strlen(ini);
    char *env_text = ini_len < size ? ini + ini_len + 1 : copy + size + 1;
    size_t env_len = strlen(env_text);
    char *set_text = env_text + env_len < copy + size ? env_text + env_len + 1 : copy + size + 1;

    /* the INI text as a file the loader opens by path */
    int fd = memfd_create("fuzz-config", 0);
    if (fd < 0)
        abort();
    if (ini_len && write(fd, ini, ini_len) != (ssize_t)ini_len)
        abort();
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);

    size_t n_env, n_sets;
    char **envp = lines(env_text, &n_env);
    char **sets = lines(set_text, &n_sets);
    struct fc_config_sources src = {path, envp, (const char *const *)sets, n_sets};
    struct fc_config cfg;
    struct fc_buf errors = FC_BUF_INIT;
    enum fc_err err = fc_config_load(&cfg, &src, &errors);
    if (err && (!errors.data || !*errors.data))
        __builtin_trap(); /* refused without a word */
    if (!err) {
        struct fc_buf shown = FC_BUF_INIT;
        fc_config_show(&cfg, &shown);
        if (!shown.data || !*shown.data)
            __builtin_trap();
        /* a secret set on any source never appears in clear on its line */
        secret_masked(shown.data, "admin_password", cfg.admin_password);
        secret_masked(shown.data, "jwt_secret", cfg.jwt_secret);
        fc_buf_cleanup(&shown);
    }
    fc_config_cleanup(&cfg);
    fc_buf_cleanup(&errors);
    free(envp);
    free(sets);
    close(fd);
    free(copy);
    return 0;
}
