/*
 * gdir_mem.h — the two memory helpers every module needs: growing an array by doubling its
 * capacity, and copying a string that may be NULL. Not here: byte buffers with a size cap
 * (gdir_buf.h). Both functions are thread-safe (they touch only their arguments).
 */
#ifndef GDIR_MEM_H
#define GDIR_MEM_H

#include <stddef.h>

/* Makes the array at *pptr (pptr is the address of a `T *`; *cap elements of elem bytes are
 * allocated, *pptr may be NULL with *cap 0) hold at least need elements: nothing when it
 * already does, else realloc to the first of 16, 32, 64 … (doubling from *cap) that is at
 * least need. Returns 0, or GDIR_ENOMEM when the size overflows or realloc fails; then *pptr
 * and *cap are unchanged (the array is still owned by the caller). */
int gdir_grow(void *pptr, size_t *cap, size_t need, size_t elem);

/* A malloc'd copy of s (free with free()), or NULL when s is NULL or memory runs out. */
char *gdir_strdup(const char *s);

#endif
