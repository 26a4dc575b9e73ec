/*
 * fuzz_life_text.c — libFuzzer target: the safe text of the daily-life items (life_text.c).
 *
 * Feeds the input bytes (NUL bytes and all) to life_text_sanitise() and life_text_line().
 * Asserts beyond "no crash": a refusal follows the gdir contract and is GDIR_EFORMAT or
 * GDIR_ETOOBIG; an accepted text gives HTML of the safe subset only (tests/lib/
 * life_text_check.h: the allowed tags, an http/https/mailto href and nothing else, every
 * element closed and in its place, no raw '<' '>' '&', no <script, no on…= attribute), valid
 * plain text; the HTML read again gives itself (the output is a fixed point). A title is one
 * trimmed line: no control character, no line break, no double space, at most max bytes.
 * The plain text written as an iCalendar DESCRIPTION (gdir_ical_line, common/gdir_ical.c)
 * gives lines of at most 75 octets, each valid UTF-8, ending with CRLF, that unfold and
 * unescape to the plain text again.
 */
#include "fuzz_util.h"

#include <stdlib.h>
#include <string.h>

#include "gdir_ical.h"
#include "life_text.h"
#include "life_text_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_title(const uint8_t *data, size_t size)
{
    struct gdir_buf b;
    struct gdir_err err;
    int rc;

    gdir_buf_init(&b, 0);
    rc = life_text_line((const char *)data, size, 120, &b, &err);
    fuzz_check_err(rc, &err);
    if (rc) {
        FUZZ_CHECK(rc == GDIR_EFORMAT || rc == GDIR_ETOOBIG);
    } else {
        const char *s = gdir_buf_str(&b);
        FUZZ_CHECK(b.len <= 120);
        FUZZ_CHECK(gdir_utf8_valid(s, b.len));
        FUZZ_CHECK(!strstr(s, "  "));
        FUZZ_CHECK(b.len == 0 || (s[0] != ' ' && s[b.len - 1] != ' '));
        for (size_t i = 0; i < b.len; i++)
            FUZZ_CHECK((unsigned char)s[i] >= 0x20 && s[i] != 0x7F);
    }
    gdir_buf_free(&b);
}

/* plain as an iCalendar DESCRIPTION: folded and escaped, and back. */
static void check_ical(const char *plain, size_t n)
{
    struct gdir_buf b, back;
    const char *p, *end;

    gdir_buf_init(&b, 0);
    gdir_buf_init(&back, 0);
    FUZZ_CHECK(gdir_ical_line(&b, "DESCRIPTION", plain, 1) == 0);
    p = gdir_buf_str(&b);
    end = p + b.len;
    while (p < end) {
        const char *crlf = strstr(p, "\r\n");
        FUZZ_CHECK(crlf != NULL && crlf - p <= 75);
        FUZZ_CHECK(gdir_utf8_valid(p, (size_t)(crlf - p)));
        FUZZ_CHECK(!memchr(p, '\n', (size_t)(crlf - p)) && !memchr(p, '\r', (size_t)(crlf - p)));
        if (p != gdir_buf_str(&b)) {
            FUZZ_CHECK(*p == ' ');
            p++;
        }
        gdir_buf_add(&back, p, (size_t)(crlf - p));
        p = crlf + 2;
    }
    p = gdir_buf_str(&back);
    FUZZ_CHECK(strncmp(p, "DESCRIPTION:", 12) == 0);
    p += 12;
    for (size_t i = 0; i < n; i++, p++) {   /* unescape and compare */
        char c = *p;
        if (c == '\\') {
            c = *++p;
            if (c == 'n')
                c = '\n';
        }
        FUZZ_CHECK(c == plain[i]);
    }
    FUZZ_CHECK(*p == '\0');
    gdir_buf_free(&b);
    gdir_buf_free(&back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct gdir_buf html, plain, again;
    struct gdir_err err;
    const char *why;
    int rc;

    gdir_buf_init(&html, 0);
    gdir_buf_init(&plain, 0);
    gdir_buf_init(&again, 0);
    rc = life_text_sanitise((const char *)data, size, &html, &plain, &err);
    fuzz_check_err(rc, &err);
    if (rc) {
        FUZZ_CHECK(rc == GDIR_EFORMAT || rc == GDIR_ETOOBIG);
        FUZZ_CHECK(rc != GDIR_ETOOBIG || size > LIFE_TEXT_MAX);
    } else {
        why = life_text_check_html(gdir_buf_str(&html), html.len);
        if (why)
            fprintf(stderr, "fuzz_life_text: %s in \"%s\"\n", why, gdir_buf_str(&html));
        FUZZ_CHECK(why == NULL);
        FUZZ_CHECK(life_text_check_plain(gdir_buf_str(&plain), plain.len) == NULL);
        check_ical(gdir_buf_str(&plain), plain.len);
        if (html.len <= LIFE_TEXT_MAX) {
            FUZZ_CHECK(life_text_sanitise(gdir_buf_str(&html), html.len, &again, NULL, &err) ==
                       0);
            if (strcmp(gdir_buf_str(&again), gdir_buf_str(&html)) != 0)
                fprintf(stderr, "fuzz_life_text: not a fixed point:\n%s\n%s\n",
                        gdir_buf_str(&html), gdir_buf_str(&again));
            FUZZ_CHECK(strcmp(gdir_buf_str(&again), gdir_buf_str(&html)) == 0);
        }
    }
    gdir_buf_free(&html);
    gdir_buf_free(&plain);
    gdir_buf_free(&again);
    if (size <= 1024)
        check_title(data, size);
    return 0;
}
