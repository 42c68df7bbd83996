/* `truth_check DB_URL TRUTH_ARGS...`: exits 0 when the database equals
 * `hubsim truth TRUTH_ARGS` (HUBSIM_BIN), and prints the first difference
 * and exits 1 otherwise. For the tests written in Python (tests/deploy). */
#include "support/truth.h"

#include <stdio.h>
#include <stdlib.h>

static const char *db_url;
static const char **truth_argv;

static void database_equals_truth(void **state)
{
    (void)state;
    size_t clients = 0;
    size_t targets = fct_assert_equals_truth(db_url, truth_argv, &clients);
    printf("%zu targets (%zu through client apps) equal the truth\n", targets, clients);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: truth_check DB_URL [hubsim truth options]\n");
        return 2;
    }
    db_url = argv[1];
    truth_argv = calloc((size_t)argc + 2, sizeof(*truth_argv));
    truth_argv[0] = fct_require_env("HUBSIM_BIN");
    truth_argv[1] = "truth";
    for (int i = 2; i < argc; i++)
        truth_argv[i] = argv[i];
    const struct CMUnitTest tests[] = {cmocka_unit_test(database_equals_truth)};
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    free(truth_argv);
    return failed ? 1 : 0;
}
