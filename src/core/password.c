#include "core/password.h"

#include <string.h>
#include <strings.h>

/* Words that make up most guessed passwords; a password that is one of
 * them with a few characters around it is refused in production. */
static const char *const common_words[] = {"password", "admin", "fcindex", "changeme",
                                           "letmein", "qwerty", "123456", "secret",
                                           "welcome", "farcaster"};

static size_t distinct_chars(const char *s)
{
    bool seen[256] = {false};
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (!seen[*p]) {
            seen[*p] = true;
            n++;
        }
    return n;
}

/* True when s is one common word plus at most `slack` other characters. */
static bool mostly_common_word(const char *s, size_t slack)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < sizeof(common_words) / sizeof(common_words[0]); i++) {
        size_t wl = strlen(common_words[i]);
        if (wl > n || n - wl > slack)
            continue;
        for (size_t at = 0; at + wl <= n; at++)
            if (strncasecmp(s + at, common_words[i], wl) == 0)
                return true;
    }
    return false;
}

const char *fc_password_problem(const char *password, bool strict)
{
    size_t n = password ? strlen(password) : 0;
    if (n == 0)
        return "empty";
    if (n > FC_PASSWORD_MAX)
        return "longer than 1024 characters";
    if (n < FC_PASSWORD_MIN)
        return "shorter than 12 characters";
    if (distinct_chars(password) < 5)
        return "made of fewer than 5 different characters";
    if (!strict)
        return NULL;
    if (n < FC_PASSWORD_MIN_STRICT)
        return "shorter than 16 characters (production)";
    if (distinct_chars(password) < 8)
        return "made of fewer than 8 different characters (production)";
    if (mostly_common_word(password, 10))
        return "a common word with a few characters added (production)";
    return NULL;
}
