/*
 * api_html.h — a small HTML writer on gdir_buf for the pages the server writes itself (the OGC API
 * pages h_ogc_*.c, the back office's certificate): every
 * string from the database or the request goes through api_html_text or api_html_attr, which
 * escape it; only literal markup written in the code goes through api_html_raw.
 *
 * Errors are sticky, as in gdir_json: after the first failure every call is a no-op and
 * api_html_error() returns the code.
 */
#ifndef API_HTML_H
#define API_HTML_H

#include "gdir_buf.h"

struct api_html {
    struct gdir_buf *out;   /* borrowed; receives the page */
    int err;                /* 0 or the first GDIR_E* code */
};

void api_html_init(struct api_html *h, struct gdir_buf *out);

/* Appends trusted markup (a literal of the code) as it is. */
int api_html_raw(struct api_html *h, const char *markup);

/* Appends printf output: for numbers and trusted literals only, never for data strings. */
int api_html_rawf(struct api_html *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends s as text: & < > " ' escaped, control characters but tab and newline dropped,
 * invalid UTF-8 replaced by U+FFFD. NULL appends nothing. */
int api_html_text(struct api_html *h, const char *s);

/* Appends ` name="value"` with value escaped as text. NULL value appends nothing. */
int api_html_attr(struct api_html *h, const char *name, const char *value);

/* Appends <tag>text</tag> (tag a literal, text escaped). */
int api_html_elem(struct api_html *h, const char *tag, const char *text);

/* Appends <a href="href">text</a>, both escaped. */
int api_html_link(struct api_html *h, const char *href, const char *text);

int api_html_error(const struct api_html *h);

#endif
