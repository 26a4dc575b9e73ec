/*
 * fuzz_address.c — libFuzzer target: French address normalisation.
 *
 * Feeds the input to gdir_address_split_number(), gdir_address_parse_housenumber(),
 * gdir_address_key(), gdir_address_is_postcode(), gdir_address_is_insee(),
 * gdir_address_suffix_match() (input halves) and, folded first (gdir_text_fold),
 * gdir_address_tokenize() (gdir_address.c); and gdir_address_split() (gdir_address_split.c:
 * number, street and complement of a published address).
 * Asserts beyond "no crash": a house number read is 0..99999 with a suffix from the documented
 * set, *rest points inside the input, and its display form (gdir_address_format_housenumber)
 * parses back to the same number and suffix (round trip); tokens borrow from the folded text
 * or are non-empty static words, at most GDIR_ADDR_TOKENS_MAX of at most
 * GDIR_ADDR_TOKEN_LEN_MAX bytes; a key is valid UTF-8 and a key of a key is itself
 * (idempotent); suffix matching is symmetric; the split of an address always succeeds, its
 * number passes the same checks, street and complement are no longer than the input (plus
 * ", " between complement parts) and are valid UTF-8 when the input is.
 */
#include "fuzz_util.h"

#include "gdir_address.h"
#include "gdir_buf.h"
#include "gdir_text.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int suffix_ok(const char *s)
{
    static const char *const words[] = {"", "bis", "ter", "quater", "quinquies", NULL};
    for (const char *const *w = words; *w; w++)
        if (strcmp(s, *w) == 0)
            return 1;
    return strlen(s) == 1 && s[0] >= 'a' && s[0] <= 'z';
}

static void check_number(const struct gdir_housenumber *hn)
{
    struct gdir_housenumber back;
    char shown[64];

    FUZZ_CHECK(hn->number >= 0 && hn->number <= GDIR_HN_NUMBER_MAX);
    FUZZ_CHECK(suffix_ok(hn->suffix));
    gdir_address_format_housenumber(hn, shown, sizeof shown);
    FUZZ_CHECK(gdir_address_parse_housenumber(shown, &back) == 0);
    FUZZ_CHECK(back.number == hn->number && strcmp(back.suffix, hn->suffix) == 0);
}

static void check_split(const char *s, size_t n)
{
    struct gdir_address_parts parts;
    struct gdir_buf street, complement;
    gdir_buf_init(&street, 0);
    gdir_buf_init(&complement, 0);
    FUZZ_CHECK(gdir_address_split(s, &parts, &street, &complement) == 0);
    if (parts.has_number)
        check_number(&parts.hn);
    FUZZ_CHECK(street.len <= n && complement.len <= 3 * n);
    if (gdir_utf8_valid(s, n)) {
        FUZZ_CHECK(gdir_utf8_valid(gdir_buf_str(&street), street.len));
        FUZZ_CHECK(gdir_utf8_valid(gdir_buf_str(&complement), complement.len));
    }
    gdir_buf_free(&street);
    gdir_buf_free(&complement);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_str(data, size);
    size_t n = strlen(s), half = n / 2;
    struct gdir_housenumber hn;
    const char *rest;
    struct gdir_buf key, key2;
    char *folded;
    struct gdir_addr_tokens toks;

    if (gdir_address_split_number(s, &hn, &rest) == 1) {
        FUZZ_CHECK(rest >= s && rest <= s + n);
        check_number(&hn);
    } else {
        FUZZ_CHECK(rest == s);
    }
    if (gdir_address_parse_housenumber(s, &hn) == 0)
        check_number(&hn);
    check_split(s, n);
    (void)gdir_address_is_postcode(s, n);
    (void)gdir_address_is_insee(s, n);
    {
        char *a = fuzz_str((const uint8_t *)s, half);
        FUZZ_CHECK(gdir_address_suffix_match(a, s + half) == gdir_address_suffix_match(s + half, a));
        free(a);
    }

    gdir_buf_init(&key, 0);
    gdir_buf_init(&key2, 0);
    if (gdir_address_key(&key, s) == 0) {
        FUZZ_CHECK(gdir_utf8_valid(gdir_buf_str(&key), key.len));
        FUZZ_CHECK(gdir_address_key(&key2, gdir_buf_str(&key)) == 0);
        FUZZ_CHECK(strcmp(gdir_buf_str(&key2), gdir_buf_str(&key)) == 0);
    } else {
        FUZZ_CHECK(!gdir_utf8_valid(s, n));
    }
    gdir_buf_free(&key);
    gdir_buf_free(&key2);

    if (gdir_utf8_valid(s, n) && (folded = gdir_text_fold_dup(s)) != NULL) {
        size_t fl = strlen(folded);
        gdir_address_tokenize(folded, &toks);
        FUZZ_CHECK(toks.n <= GDIR_ADDR_TOKENS_MAX);
        for (size_t i = 0; i < toks.n; i++) {
            const struct gdir_addr_token *t = &toks.t[i];
            FUZZ_CHECK(t->len > 0 && t->len <= GDIR_ADDR_TOKEN_LEN_MAX);
            FUZZ_CHECK(t->raw >= folded && t->raw + t->raw_len <= folded + fl);
            FUZZ_CHECK(gdir_utf8_valid(t->s, t->len));
        }
        free(folded);
    }
    free(s);
    return 0;
}
