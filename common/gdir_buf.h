/*
 * gdir_buf.h — growable byte buffer with a size cap (in the spirit of curl's dynbuf).
 *
 * A buffer is always NUL-terminated once anything was appended. When an append would
 * exceed the cap or memory runs out, the buffer frees its contents, remembers the failure
 * and returns a negative code; later appends fail too. Callers therefore need one check
 * (gdir_buf_failed or the last return value) and one cleanup path (gdir_buf_free).
 */
#ifndef GDIR_BUF_H
#define GDIR_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct gdir_buf {
    char *data;     /* owned; NULL until the first append */
    size_t len;     /* bytes used, not counting the terminating NUL */
    size_t cap;     /* bytes allocated */
    size_t max;     /* hard limit on len; 0 means SIZE_MAX/2 */
    int err;        /* 0, or the GDIR_E* code of the first failure */
};

/* Initialises an empty buffer that may grow to max bytes (0: unlimited). */
void gdir_buf_init(struct gdir_buf *b, size_t max);

/* Frees the contents; the buffer can be reused after gdir_buf_init. NULL-safe. */
void gdir_buf_free(struct gdir_buf *b);

/* Empties the buffer but keeps its memory and cap; clears a previous failure. */
void gdir_buf_reset(struct gdir_buf *b);

/* Makes room for n more bytes at once (bounded by max), so that a writer whose size is known
 * roughly does not grow the buffer step by step (each step a realloc and a copy). Returns 0
 * or GDIR_ENOMEM; never fails for n beyond max (the appends report GDIR_ETOOBIG). */
int gdir_buf_reserve(struct gdir_buf *b, size_t n);

/* Appends n bytes / a C string / one byte / printf output. Return 0 or a negative code. */
int gdir_buf_add(struct gdir_buf *b, const void *p, size_t n);
int gdir_buf_adds(struct gdir_buf *b, const char *s);
int gdir_buf_addc(struct gdir_buf *b, char c);
int gdir_buf_printf(struct gdir_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int gdir_buf_vprintf(struct gdir_buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Hands the contents to the caller (free() them) and leaves the buffer empty.
 * Returns NULL on a failed buffer; *len receives the length when len is not NULL. */
char *gdir_buf_steal(struct gdir_buf *b, size_t *len);

/* The contents as a string: never NULL ("" when empty or failed). Borrowed. */
const char *gdir_buf_str(const struct gdir_buf *b);

#endif
