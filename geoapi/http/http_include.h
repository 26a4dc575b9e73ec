/*
 * http_include.h — the server-side include directives of the static pages (h_static.c), in
 * the subset of nginx's SSI syntax that geodir uses:
 *
 *     <!--# include file="NAME" -->
 *
 * NAME is a plain file name of the partials' folder (static_dir/_include/): letters, digits,
 * '-' and '_', then ".html", at most HTTP_INCLUDE_NAME_MAX - 1 bytes; no '/', no "..", no
 * leading dot. Any other "<!--#" directive (another command, another parameter, a bad name, a
 * missing "-->") is an error: a page never leaves a directive unprocessed. White space between
 * the parts is one or more spaces, tabs or line ends ("<!--#" and "-->" need none).
 *
 * The parser is allocation-free, reads a buffer the caller owns, and is fuzzed
 * (tests/fuzz/fuzz_include.c).
 */
#ifndef HTTP_INCLUDE_H
#define HTTP_INCLUDE_H

#include <stddef.h>

#include "gdir_err.h"

#define HTTP_INCLUDE_NAME_MAX 64        /* a partial's name, with its NUL */
#define HTTP_INCLUDE_MAX 16             /* directives in one page */
#define HTTP_INCLUDE_PAGE_MAX (512u * 1024u)      /* larger pages are sent as they are */
#define HTTP_INCLUDE_PARTIAL_MAX (64u * 1024u)    /* larger partials are an error */

/* The opening of every directive: a page without it is sent unchanged. */
#define HTTP_INCLUDE_OPEN "<!--#"

struct http_include {
    size_t start;                       /* offset of "<!--#" */
    size_t end;                         /* offset just past "-->" */
    char name[HTTP_INCLUDE_NAME_MAX];   /* the partial's file name */
};

/* Finds the first directive of text[off, len). Returns 1 and fills *inc when there is one,
 * 0 when there is none, or GDIR_EINVAL with err set (naming the offset) when the first
 * "<!--#" from off does not open a valid include directive. */
int http_include_next(const char *text, size_t len, size_t off, struct http_include *inc,
                      struct gdir_err *err);

/* 1 when name is a valid partial name (see the banner), else 0. */
int http_include_name_ok(const char *name);

#endif
