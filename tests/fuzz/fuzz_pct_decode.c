/*
 * fuzz_pct_decode.c — libFuzzer target: %-decoding and the quoting of offending values.
 *
 * Feeds the input to api_pct_decode() (api_request.c) with and without '+' as space, to
 * api_quote() (api_request.c) and, for the round trip, to api_pct_encode() (api_request.c).
 * Asserts beyond "no crash": the decoded length is at most the input's (the router allocates
 * no more) and the output is NUL-terminated there; '+' decodes to ' ' only with plus_space;
 * decoding what api_pct_encode wrote gives the decoded bytes back (round trip, both modes);
 * a quoted value starts with '"', is valid UTF-8, has no control byte and fits its buffer.
 */
#include "fuzz_util.h"

#include "api_request.h"
#include "gdir_buf.h"
#include "gdir_text.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(const char *decoded, size_t len)
{
    struct gdir_buf enc;
    char *back;
    long n;

    if (memchr(decoded, '\0', len))
        return;                                   /* the encoder takes C strings */
    gdir_buf_init(&enc, 0);
    FUZZ_CHECK(api_pct_encode(&enc, decoded, 0) == 0);
    back = malloc(enc.len + 1);
    FUZZ_CHECK(back != NULL);
    for (int plus = 0; plus < 2; plus++) {
        n = api_pct_decode(enc.data ? enc.data : "", enc.len, plus, back);
        FUZZ_CHECK(n == (long)len && memcmp(back, decoded, len) == 0);
    }
    free(back);
    gdir_buf_free(&enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in = fuzz_str(data, size);
    char *out = malloc(size + 1);
    char quoted[API_QUOTE_MAX * 4 + 16];

    FUZZ_CHECK(out != NULL);
    for (int plus = 0; plus < 2; plus++) {
        long n = api_pct_decode((const char *)data, size, plus, out);
        FUZZ_CHECK(n >= -1);
        if (n < 0) {
            FUZZ_CHECK(memchr(data, '%', size) != NULL);
            continue;
        }
        FUZZ_CHECK((size_t)n <= size && out[n] == '\0');
        if (!memchr(data, '%', size))
            for (size_t i = 0; i < size; i++)
                FUZZ_CHECK(out[i] == (data[i] == '+' && plus ? ' ' : (char)data[i]));
        round_trip(out, (size_t)n);
    }

    api_quote(quoted, sizeof quoted, in);
    FUZZ_CHECK(quoted[0] == '"');
    FUZZ_CHECK(memchr(quoted, '\0', sizeof quoted) != NULL);
    FUZZ_CHECK(gdir_utf8_valid(quoted, strlen(quoted)));
    for (const char *p = quoted; *p; p++)
        FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
    free(out);
    free(in);
    return 0;
}
