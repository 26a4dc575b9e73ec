/*
 * test_mem.c — gdir_grow (doubling growth, overflow refused, array kept on failure) and
 * gdir_strdup (NULL in, NULL out).
 */
#include "check.h"
#include "gdir_err.h"
#include "gdir_geo.h"
#include "gdir_mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void test_grow(void)
{
    int *a = NULL;
    size_t cap = 0;
    CHECK_INT_EQ(gdir_grow(&a, &cap, 0, sizeof *a), GDIR_OK);    /* nothing needed */
    CHECK(a == NULL);
    CHECK_INT_EQ(gdir_grow(&a, &cap, 1, sizeof *a), GDIR_OK);
    CHECK_INT_EQ(cap, 16);
    for (size_t i = 0; i < 1000; i++) {
        CHECK_INT_EQ(gdir_grow(&a, &cap, i + 1, sizeof *a), GDIR_OK);
        a[i] = (int)i;
    }
    CHECK_INT_EQ(cap, 1024);
    CHECK_INT_EQ(a[999], 999);
    CHECK_INT_EQ(gdir_grow(&a, &cap, 5000, sizeof *a), GDIR_OK);   /* doubles past need */
    CHECK_INT_EQ(cap, 8192);
    CHECK_INT_EQ(a[500], 500);
    free(a);
}

static void test_grow_overflow(void)
{
    char *a = NULL;
    size_t cap = 0;
    CHECK_INT_EQ(gdir_grow(&a, &cap, 10, 1), GDIR_OK);
    a[0] = 'x';
    int *keep = (int *)(void *)a;
    CHECK_INT_EQ(gdir_grow(&a, &cap, SIZE_MAX / 2, 4), GDIR_ENOMEM);   /* size overflows */
    CHECK((void *)a == (void *)keep);
    CHECK_INT_EQ(cap, 16);
    CHECK_INT_EQ(a[0], 'x');
    CHECK_INT_EQ(gdir_grow(&a, &cap, 17, 0), GDIR_ENOMEM);
    free(a);
}

static void test_strdup(void)
{
    char *s = gdir_strdup("Beaulieu-en-Argonne");
    CHECK_STR_EQ(s, "Beaulieu-en-Argonne");
    free(s);
    CHECK(gdir_strdup(NULL) == NULL);
    s = gdir_strdup("");
    CHECK_STR_EQ(s, "");
    free(s);
}

static void test_deg2rad(void)
{
    CHECK_NEAR(180.0 * GDIR_DEG2RAD, 3.14159265358979323846, 1e-15);
    CHECK(GDIR_DEG2RAD == 0.017453292519943295);   /* the geocoder's former literal */
}

static const struct check_case cases[] = {
    {"grow", test_grow},
    {"grow_overflow", test_grow_overflow},
    {"strdup", test_strdup},
    {"deg2rad", test_deg2rad},
};
CHECK_MAIN(cases)
