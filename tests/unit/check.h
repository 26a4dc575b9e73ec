/*
 * check.h — the unit tests' assertion macros (libuv-style: they print both sides).
 *
 * A test file defines `static void test_xxx(void)` functions and lists them in
 * `static const struct check_case cases[]`, then `CHECK_MAIN(cases)` (or, in a main() of its
 * own that prepares something first, `check_run(cases, CHECK_COUNT(cases))`, its arguments
 * checked by check_args). A failed check prints file:line and the values, marks the test
 * failed and continues with the next check.
 */
#ifndef CHECK_H
#define CHECK_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int check_failures;

#define CHECK_FAIL_(...)                                                                           \
    do {                                                                                           \
        fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                                            \
        fprintf(stderr, __VA_ARGS__);                                                              \
        fputc('\n', stderr);                                                                       \
        check_failures++;                                                                          \
    } while (0)

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            CHECK_FAIL_("check failed: %s", #cond);                                                \
    } while (0)

#define CHECK_INT_EQ(a, b)                                                                         \
    do {                                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                                        \
        if (a_ != b_)                                                                              \
            CHECK_FAIL_("%s == %s: %lld != %lld", #a, #b, a_, b_);                                 \
    } while (0)

#define CHECK_STR_EQ(a, b)                                                                         \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        if (!a_ || !b_ || strcmp(a_, b_) != 0)                                                     \
            CHECK_FAIL_("%s == %s: \"%s\" != \"%s\"", #a, #b, a_ ? a_ : "(null)",                  \
                        b_ ? b_ : "(null)");                                                       \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                                                      \
    do {                                                                                           \
        double a_ = (a), b_ = (b);                                                                 \
        if (!(fabs(a_ - b_) <= (tol)))                                                             \
            CHECK_FAIL_("%s ~ %s: %.9g vs %.9g (tolerance %g)", #a, #b, a_, b_, (double)(tol));    \
    } while (0)

struct check_case {
    const char *name;
    void (*fn)(void);
};

/* Runs cases[0..n) in order, prints "ok  name" / "FAIL name" for each and the summary;
 * returns the number of failed cases. For a main() that must prepare something first. */
static inline int check_run(const struct check_case *cases, int n)
{
    int failed = 0;
    for (int i = 0; i < n; i++) {
        int before = check_failures;
        cases[i].fn();
        int ok = check_failures == before;
        failed += !ok;
        printf("%s %s\n", ok ? "ok  " : "FAIL", cases[i].name);
    }
    printf("%d passed, %d failed\n", n - failed, failed);
    return failed;
}

/* The number of cases in a cases[] array. */
#define CHECK_COUNT(cases) ((int)(sizeof(cases) / sizeof((cases)[0])))

/* For a main() that takes its fixtures as arguments: 1 when argc counts the program and
 * n_args arguments, else prints "usage: usage" and returns 0 (the caller exits with 2). */
static inline int check_args(int argc, int n_args, const char *usage)
{
    if (argc == n_args + 1)
        return 1;
    fprintf(stderr, "usage: %s\n", usage);
    return 0;
}

#define CHECK_MAIN(cases)                                                                          \
    int main(void)                                                                                 \
    {                                                                                              \
        return check_run(cases, CHECK_COUNT(cases)) ? 1 : 0;                                       \
    }

#endif
