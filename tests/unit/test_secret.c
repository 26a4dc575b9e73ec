/*
 * test_secret.c — gdir_secret: HMAC-SHA256 against RFC 4231 (cases 1, 2 and 6: a short key, a
 * text key, a key longer than a block), base64url against RFC 4648's vectors (no padding),
 * the alphabet check, constant-time equality, and random bytes that differ between calls.
 */
#include "check.h"
#include "gdir_hash.h"
#include "gdir_secret.h"

#include <string.h>

static void hex_of(const unsigned char *d, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void test_hmac_rfc4231(void)
{
    unsigned char key1[20], key6[131], out[32];
    char hex[65];

    memset(key1, 0x0b, sizeof key1);
    CHECK_INT_EQ(gdir_hmac_sha256(key1, sizeof key1, "Hi There", 8, out), GDIR_OK);
    hex_of(out, 32, hex);
    CHECK_STR_EQ(hex, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");

    CHECK_INT_EQ(gdir_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, out), GDIR_OK);
    hex_of(out, 32, hex);
    CHECK_STR_EQ(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");

    memset(key6, 0xaa, sizeof key6);
    static const char msg6[] = "Test Using Larger Than Block-Size Key - Hash Key First";
    CHECK_INT_EQ(gdir_hmac_sha256(key6, sizeof key6, msg6, sizeof msg6 - 1, out), GDIR_OK);
    hex_of(out, 32, hex);
    CHECK_STR_EQ(hex, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

static void test_b64url(void)
{
    static const char *const in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *const want[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
    char out[16];
    unsigned char raw[3] = {0xfb, 0xff, 0xfe};

    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
        gdir_b64url(in[i], strlen(in[i]), out);
        CHECK_STR_EQ(out, want[i]);
        CHECK_INT_EQ(strlen(out), GDIR_B64URL_LEN(strlen(in[i])));
    }
    gdir_b64url(raw, 3, out);
    CHECK_STR_EQ(out, "-__-");   /* the URL-safe letters, not '+' and '/' */
    CHECK(gdir_b64url_valid("-__-", 4));
    CHECK(!gdir_b64url_valid("+//+", 4));
    CHECK(!gdir_b64url_valid("abc", 4));
    CHECK(!gdir_b64url_valid("abcde", 4));
    CHECK_INT_EQ(GDIR_B64URL_LEN(16), 22);
}

static void test_ct_equal_and_random(void)
{
    unsigned char a[16], b[16];
    struct gdir_err err;

    CHECK(gdir_ct_equal("abcd", "abcd", 4));
    CHECK(!gdir_ct_equal("abcd", "abce", 4));
    CHECK_INT_EQ(gdir_random(a, sizeof a, &err), GDIR_OK);
    CHECK_INT_EQ(gdir_random(b, sizeof b, &err), GDIR_OK);
    CHECK(!gdir_ct_equal(a, b, sizeof a));   /* 2^-128 */
}

static const struct check_case cases[] = {
    {"HMAC-SHA256 (RFC 4231)", test_hmac_rfc4231},
    {"base64url (RFC 4648)", test_b64url},
    {"constant-time equality, random bytes", test_ct_equal_and_random},
};

CHECK_MAIN(cases)
