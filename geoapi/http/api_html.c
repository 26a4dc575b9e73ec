/*
 * api_html.c — the escaping HTML writer of the server's own pages. See api_html.h.
 *
 * Not here: the pages themselves (h_ogc_*.c).
 */
#include "api_html.h"
#include "gdir_err.h"
#include "gdir_text.h"

#include <stdarg.h>

void api_html_init(struct api_html *h, struct gdir_buf *out)
{
    h->out = out;
    h->err = 0;
}

static int keep(struct api_html *h, int rc)
{
    if (rc && !h->err)
        h->err = rc;
    return h->err;
}

int api_html_raw(struct api_html *h, const char *markup)
{
    if (h->err)
        return h->err;
    return keep(h, gdir_buf_adds(h->out, markup));
}

int api_html_rawf(struct api_html *h, const char *fmt, ...)
{
    va_list ap;
    int rc;

    if (h->err)
        return h->err;
    va_start(ap, fmt);
    rc = gdir_buf_vprintf(h->out, fmt, ap);
    va_end(ap);
    return keep(h, rc);
}

int api_html_text(struct api_html *h, const char *s)
{
    const char *p = s;
    int rc = 0;

    if (h->err || !s)
        return h->err;
    while (*p && !rc) {
        const char *start = p;
        unsigned cp = gdir_utf8_next(&p);
        switch (cp) {
        case '&': rc = gdir_buf_adds(h->out, "&amp;"); break;
        case '<': rc = gdir_buf_adds(h->out, "&lt;"); break;
        case '>': rc = gdir_buf_adds(h->out, "&gt;"); break;
        case '"': rc = gdir_buf_adds(h->out, "&quot;"); break;
        case '\'': rc = gdir_buf_adds(h->out, "&#39;"); break;
        case '\t':
        case '\n': rc = gdir_buf_addc(h->out, (char)cp); break;
        default:
            if (cp < 0x20 || cp == 0x7F)
                break;                               /* control characters are dropped */
            if ((unsigned char)*start >= 0x80 && !gdir_utf8_valid(start, (size_t)(p - start)))
                rc = gdir_buf_adds(h->out, "\xEF\xBF\xBD");   /* invalid UTF-8 */
            else
                rc = gdir_buf_add(h->out, start, (size_t)(p - start));
        }
    }
    return keep(h, rc);
}

int api_html_attr(struct api_html *h, const char *name, const char *value)
{
    if (!value)
        return h->err;
    api_html_raw(h, " ");
    api_html_raw(h, name);
    api_html_raw(h, "=\"");
    api_html_text(h, value);
    return api_html_raw(h, "\"");
}

int api_html_elem(struct api_html *h, const char *tag, const char *text)
{
    api_html_rawf(h, "<%s>", tag);
    api_html_text(h, text);
    return api_html_rawf(h, "</%s>", tag);
}

int api_html_link(struct api_html *h, const char *href, const char *text)
{
    api_html_raw(h, "<a");
    api_html_attr(h, "href", href);
    api_html_raw(h, ">");
    api_html_text(h, text);
    return api_html_raw(h, "</a>");
}

int api_html_error(const struct api_html *h)
{
    return h->err;
}
