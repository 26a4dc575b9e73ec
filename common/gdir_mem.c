/*
 * gdir_mem.c — gdir_grow (doubling array growth) and gdir_strdup (NULL-safe string copy), the
 * one copy of what modules used to write by hand. Not here: gdir_buf (capped byte buffers).
 */
#include "gdir_mem.h"
#include "gdir_err.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int gdir_grow(void *pptr, size_t *cap, size_t need, size_t elem)
{
    void **pp = pptr;
    size_t ncap = *cap ? *cap : 16;
    void *p;

    if (need <= *cap)
        return GDIR_OK;
    if (elem == 0)
        return GDIR_ENOMEM;
    while (ncap < need)
        ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
    if (ncap > SIZE_MAX / elem)
        return GDIR_ENOMEM;
    if (!(p = realloc(*pp, ncap * elem)))
        return GDIR_ENOMEM;
    *pp = p;
    *cap = ncap;
    return GDIR_OK;
}

char *gdir_strdup(const char *s)
{
    size_t n;
    char *p;

    if (!s)
        return NULL;
    n = strlen(s) + 1;
    if ((p = malloc(n)))
        memcpy(p, s, n);
    return p;
}
