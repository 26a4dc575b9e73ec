/*
 * test_buf.c — the capped buffer (gdir_buf): growth, cap, sticky failure, steal.
 */
#include "check.h"
#include "gdir_buf.h"
#include "gdir_err.h"

#include <stdlib.h>

static void test_grow_and_steal(void)
{
    struct gdir_buf b;
    gdir_buf_init(&b, 0);
    CHECK_STR_EQ(gdir_buf_str(&b), "");
    for (int i = 0; i < 1000; i++)
        CHECK_INT_EQ(gdir_buf_printf(&b, "%03d,", i), 0);
    CHECK_INT_EQ(b.len, 4000);
    CHECK(strncmp(gdir_buf_str(&b), "000,001,", 8) == 0);
    size_t n = 0;
    char *s = gdir_buf_steal(&b, &n);
    CHECK_INT_EQ(n, 4000);
    CHECK_INT_EQ(strlen(s), 4000);
    free(s);
    CHECK_INT_EQ(b.len, 0);
    gdir_buf_free(&b);
}

static void test_cap(void)
{
    struct gdir_buf b;
    gdir_buf_init(&b, 10);
    CHECK_INT_EQ(gdir_buf_adds(&b, "0123456789"), 0);
    CHECK_INT_EQ(gdir_buf_addc(&b, 'x'), GDIR_ETOOBIG);
    CHECK_INT_EQ(b.err, GDIR_ETOOBIG);
    CHECK(b.data == NULL);                         /* freed on failure */
    CHECK_INT_EQ(gdir_buf_adds(&b, "y"), GDIR_ETOOBIG);   /* sticky */
    CHECK(gdir_buf_steal(&b, NULL) == NULL);
    gdir_buf_reset(&b);
    CHECK_INT_EQ(gdir_buf_adds(&b, "ok"), 0);
    CHECK_STR_EQ(gdir_buf_str(&b), "ok");
    gdir_buf_free(&b);
}

static void test_binary(void)
{
    struct gdir_buf b;
    gdir_buf_init(&b, 0);
    CHECK_INT_EQ(gdir_buf_add(&b, "a\0b", 3), 0);
    CHECK_INT_EQ(b.len, 3);
    CHECK(memcmp(b.data, "a\0b", 4) == 0);
    gdir_buf_free(&b);
    gdir_buf_free(&b);   /* idempotent */
    gdir_buf_free(NULL);
}

/* reserve: one allocation that the appends then fill without moving; bounded by max. */
static void test_reserve(void)
{
    struct gdir_buf b;
    const char *before;
    gdir_buf_init(&b, 0);
    CHECK_INT_EQ(gdir_buf_reserve(&b, 20000), 0);
    CHECK(b.cap >= 20001);
    before = b.data;
    for (int i = 0; i < 1000; i++)
        CHECK_INT_EQ(gdir_buf_adds(&b, "0123456789abcdefghi"), 0);
    CHECK(b.data == before);                       /* 19,000 bytes: no realloc */
    CHECK_INT_EQ(b.len, 19000);
    gdir_buf_free(&b);

    gdir_buf_init(&b, 100);
    CHECK_INT_EQ(gdir_buf_reserve(&b, 1000000), 0); /* beyond max: room up to max only */
    CHECK(b.cap >= 101 && b.cap < 1000000);
    CHECK_INT_EQ(b.err, 0);
    gdir_buf_free(&b);
}

static const struct check_case cases[] = {
    {"reserve", test_reserve},
    {"grow_and_steal", test_grow_and_steal},
    {"cap", test_cap},
    {"binary", test_binary},
};
CHECK_MAIN(cases)
