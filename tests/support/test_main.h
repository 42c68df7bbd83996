/* The main() of a cmocka test file, written once: a file ends with
 *     FCT_MAIN(setup, teardown, test_a, test_b, test_c)
 * (group setup and teardown may be NULL). The generated main runs only the
 * test FCT_ONLY names when it is set (fct_test_filter), runs the group and
 * returns fct_exit_status of its failures: the failure count, or 77 when
 * fct_redis_or_skip skipped a test. */
#ifndef FC_TESTS_TEST_MAIN_H
#define FC_TESTS_TEST_MAIN_H

#include "support/testenv.h"

/* FCT_MAIN for a file that needs PostgreSQL: fct_require_env("DATABASE_URL")
 * first, so the process is skipped (77) or, under CI=true, fails when it is
 * unset. */
#define FCT_MAIN_NEEDS_DB(setup, teardown, ...)                                                    \
    FCT_MAIN_AFTER_(fct_require_env("DATABASE_URL"), setup, teardown, __VA_ARGS__)

#define FCT_MAIN(setup, teardown, ...) FCT_MAIN_AFTER_((void)0, setup, teardown, __VA_ARGS__)

/* The array keeps the name `tests`: cmocka prints it as the group's name. */
#define FCT_MAIN_AFTER_(first, setup, teardown, ...)                                               \
    int main(void)                                                                                 \
    {                                                                                              \
        _Static_assert(FCT_COUNT_(__VA_ARGS__) <= FCT_EACH_MAX_,                                   \
                       "FCT_MAIN: more tests than FCT_EACH_ expands; add FCT_EACH_ steps");        \
        first;                                                                                     \
        fct_test_filter();                                                                         \
        const struct CMUnitTest tests[] = {FCT_EACH_(cmocka_unit_test, __VA_ARGS__)};              \
        return fct_exit_status(cmocka_run_group_tests(tests, setup, teardown));                    \
    }

/* How many names a list holds: each must be a cmocka test function, so a
 * stray name is a type error too. */
#define FCT_COUNT_(...) (sizeof((CMUnitTestFunction[]){__VA_ARGS__}) / sizeof(CMUnitTestFunction))

/* FCT_EACH_(m, a, b, c) is m(a), m(b), m(c): up to FCT_EACH_MAX_ names (the
 * largest test file has 21). A longer list picks a test name where a step
 * belongs, which does not compile, and the assertion above says why. */
#define FCT_EACH_MAX_ 32
#define FCT_EACH_(m, ...)                                                                          \
    FCT_PICK_(__VA_ARGS__, FCT_EACH_32_, FCT_EACH_31_, FCT_EACH_30_, FCT_EACH_29_, FCT_EACH_28_,   \
              FCT_EACH_27_, FCT_EACH_26_, FCT_EACH_25_, FCT_EACH_24_, FCT_EACH_23_, FCT_EACH_22_,  \
              FCT_EACH_21_, FCT_EACH_20_, FCT_EACH_19_, FCT_EACH_18_, FCT_EACH_17_, FCT_EACH_16_,  \
              FCT_EACH_15_, FCT_EACH_14_, FCT_EACH_13_, FCT_EACH_12_, FCT_EACH_11_, FCT_EACH_10_,  \
              FCT_EACH_9_, FCT_EACH_8_, FCT_EACH_7_, FCT_EACH_6_, FCT_EACH_5_, FCT_EACH_4_,        \
              FCT_EACH_3_, FCT_EACH_2_, FCT_EACH_1_, )                                             \
    (m, __VA_ARGS__)
#define FCT_PICK_(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, _13, _14, _15, _16, _17, _18, \
                  _19, _20, _21, _22, _23, _24, _25, _26, _27, _28, _29, _30, _31, _32, step, ...) \
    step
#define FCT_EACH_1_(m, a) m(a)
#define FCT_EACH_2_(m, a, ...) m(a), FCT_EACH_1_(m, __VA_ARGS__)
#define FCT_EACH_3_(m, a, ...) m(a), FCT_EACH_2_(m, __VA_ARGS__)
#define FCT_EACH_4_(m, a, ...) m(a), FCT_EACH_3_(m, __VA_ARGS__)
#define FCT_EACH_5_(m, a, ...) m(a), FCT_EACH_4_(m, __VA_ARGS__)
#define FCT_EACH_6_(m, a, ...) m(a), FCT_EACH_5_(m, __VA_ARGS__)
#define FCT_EACH_7_(m, a, ...) m(a), FCT_EACH_6_(m, __VA_ARGS__)
#define FCT_EACH_8_(m, a, ...) m(a), FCT_EACH_7_(m, __VA_ARGS__)
#define FCT_EACH_9_(m, a, ...) m(a), FCT_EACH_8_(m, __VA_ARGS__)
#define FCT_EACH_10_(m, a, ...) m(a), FCT_EACH_9_(m, __VA_ARGS__)
#define FCT_EACH_11_(m, a, ...) m(a), FCT_EACH_10_(m, __VA_ARGS__)
#define FCT_EACH_12_(m, a, ...) m(a), FCT_EACH_11_(m, __VA_ARGS__)
#define FCT_EACH_13_(m, a, ...) m(a), FCT_EACH_12_(m, __VA_ARGS__)
#define FCT_EACH_14_(m, a, ...) m(a), FCT_EACH_13_(m, __VA_ARGS__)
#define FCT_EACH_15_(m, a, ...) m(a), FCT_EACH_14_(m, __VA_ARGS__)
#define FCT_EACH_16_(m, a, ...) m(a), FCT_EACH_15_(m, __VA_ARGS__)
#define FCT_EACH_17_(m, a, ...) m(a), FCT_EACH_16_(m, __VA_ARGS__)
#define FCT_EACH_18_(m, a, ...) m(a), FCT_EACH_17_(m, __VA_ARGS__)
#define FCT_EACH_19_(m, a, ...) m(a), FCT_EACH_18_(m, __VA_ARGS__)
#define FCT_EACH_20_(m, a, ...) m(a), FCT_EACH_19_(m, __VA_ARGS__)
#define FCT_EACH_21_(m, a, ...) m(a), FCT_EACH_20_(m, __VA_ARGS__)
#define FCT_EACH_22_(m, a, ...) m(a), FCT_EACH_21_(m, __VA_ARGS__)
#define FCT_EACH_23_(m, a, ...) m(a), FCT_EACH_22_(m, __VA_ARGS__)
#define FCT_EACH_24_(m, a, ...) m(a), FCT_EACH_23_(m, __VA_ARGS__)
#define FCT_EACH_25_(m, a, ...) m(a), FCT_EACH_24_(m, __VA_ARGS__)
#define FCT_EACH_26_(m, a, ...) m(a), FCT_EACH_25_(m, __VA_ARGS__)
#define FCT_EACH_27_(m, a, ...) m(a), FCT_EACH_26_(m, __VA_ARGS__)
#define FCT_EACH_28_(m, a, ...) m(a), FCT_EACH_27_(m, __VA_ARGS__)
#define FCT_EACH_29_(m, a, ...) m(a), FCT_EACH_28_(m, __VA_ARGS__)
#define FCT_EACH_30_(m, a, ...) m(a), FCT_EACH_29_(m, __VA_ARGS__)
#define FCT_EACH_31_(m, a, ...) m(a), FCT_EACH_30_(m, __VA_ARGS__)
#define FCT_EACH_32_(m, a, ...) m(a), FCT_EACH_31_(m, __VA_ARGS__)

#endif
