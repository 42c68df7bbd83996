/* Fuzz target: the API's path, query and cursor parsing. Input lines:
 * PATH, then values tried as limit, keyset cursor, offset cursor, cast hash
 * and username. Every route pattern is matched against PATH; whatever is
 * accepted must satisfy the parsers' documented shapes (checked here, abort
 * on violation). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/internal.h"
#include "fuzz_lines.h"
#include "api/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
    if (!ok)
        abort();
}

static bool all_in(const char *s, const char *set)
{
    return strspn(s, set) == strlen(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 8192)
        return 0;
    char *field[6];
    char *buf = fuzz_lines(data, size, field, 6);
    for (size_t r = 0; r < fc_api_n_routes; r++) {
        size_t off[FC_API_MAX_PARAMS], len[FC_API_MAX_PARAMS], n = 0;
        if (!fc_api_match(fc_api_routes[r].pattern, field[0], off, len, &n))
            continue;
        for (size_t i = 0; i < n; i++) {
            check(len[i] > 0 && off[i] + len[i] <= strlen(field[0]));
            check(memchr(field[0] + off[i], '/', len[i]) == NULL);
        }
    }
    int v;
    if (fc_api_parse_limit(field[1], 100, &v))
        check(v >= 1 && v <= 100);
    char ts[40], hash[48], hi[48], name[72];
    if (fc_api_parse_keyset(field[2], ts, hash))
        check(strlen(hash) == 40 && all_in(hash, "0123456789abcdef") && *ts &&
              strlen(ts) <= 18 && all_in(ts, "0123456789"));
    if (fc_api_parse_offset(field[3], &v))
        check(v >= 0 && v <= 10000);
    bool has_hi;
    if (fc_api_parse_hash_prefix(field[4], hash, hi, &has_hi)) {
        check(strlen(hash) >= 8 && strlen(hash) <= 40 && strlen(hash) % 2 == 0);
        check(all_in(hash, "0123456789abcdef") && strlen(hi) == strlen(hash));
        check(!has_hi || strcmp(hi, hash) > 0);
    }
    if (fc_api_parse_username(field[5], name))
        check(strlen(name) >= 1 && strlen(name) <= 64 && all_in(name, "abcdefghijklmnopqrstuvwxyz"
                                                                      "0123456789._-"));
    free(buf);
    return 0;
}
