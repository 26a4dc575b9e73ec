/*
 * gdir_buf.c — capped growable buffer. See gdir_buf.h for the failure contract.
 */
#include "gdir_buf.h"
#include "gdir_err.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void gdir_buf_init(struct gdir_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max ? max : SIZE_MAX / 2;
    b->err = 0;
}

void gdir_buf_free(struct gdir_buf *b)
{
    if (!b)
        return;
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void gdir_buf_reset(struct gdir_buf *b)
{
    b->len = 0;
    b->err = 0;
    if (b->data)
        b->data[0] = '\0';
}

static int fail(struct gdir_buf *b, int code)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->err = code;
    return code;
}

/* Makes room for n more bytes plus the NUL. */
static int grow(struct gdir_buf *b, size_t n)
{
    if (b->err)
        return b->err;
    if (n > b->max - b->len)
        return fail(b, GDIR_ETOOBIG);
    size_t need = b->len + n + 1;
    if (need <= b->cap)
        return 0;
    size_t ncap = b->cap ? b->cap : 256;
    while (ncap < need)
        ncap *= 2;
    char *p = realloc(b->data, ncap);
    if (!p)
        return fail(b, GDIR_ENOMEM);
    b->data = p;
    b->cap = ncap;
    return 0;
}

int gdir_buf_reserve(struct gdir_buf *b, size_t n)
{
    if (b->err)
        return b->err;
    if (n > b->max - b->len)
        n = b->max - b->len;
    return grow(b, n);
}

int gdir_buf_add(struct gdir_buf *b, const void *p, size_t n)
{
    int rc = grow(b, n);
    if (rc)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int gdir_buf_adds(struct gdir_buf *b, const char *s)
{
    return gdir_buf_add(b, s, strlen(s));
}

int gdir_buf_addc(struct gdir_buf *b, char c)
{
    if (!b->err && b->len + 1 < b->cap && b->len < b->max) {
        b->data[b->len++] = c;
        b->data[b->len] = '\0';
        return 0;
    }
    return gdir_buf_add(b, &c, 1);
}

int gdir_buf_vprintf(struct gdir_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return fail(b, GDIR_EINTERNAL);
    int rc = grow(b, (size_t)n);
    if (rc)
        return rc;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int gdir_buf_printf(struct gdir_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = gdir_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

char *gdir_buf_steal(struct gdir_buf *b, size_t *len)
{
    if (b->err)
        return NULL;
    if (!b->data && gdir_buf_add(b, "", 0))
        return NULL;
    char *p = b->data;
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}

const char *gdir_buf_str(const struct gdir_buf *b)
{
    return (b->data && !b->err) ? b->data : "";
}
