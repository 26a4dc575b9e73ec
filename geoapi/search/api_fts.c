/*
 * api_fts.c — the parsing of the MATCH expressions api_vocab.c writes, for the in-memory text
 * search. See api_fts.h.
 */
#include "api_fts.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- MATCH expressions ---------------------------------------------------------------------- */

static int skip(const char **s, const char *lit)
{
    size_t n = strlen(lit);
    if (strncmp(*s, lit, n) != 0)
        return 0;
    *s += n;
    return 1;
}

int api_fts_expr_parse(const char *match, struct api_fts_expr *out)
{
    const char *s = match;

    out->n = out->n_groups = 0;
    for (;;) {
        if (!skip(&s, "("))
            return 0;
        for (;;) {
            struct api_fts_phrase *ph;
            const char *t;
            if (out->n == API_FTS_MAX_PHRASES || !skip(&s, "\""))
                return 0;
            for (t = s; (*t >= 'a' && *t <= 'z') || (*t >= '0' && *t <= '9'); t++)
                ;
            if (t == s || *t != '"')
                return 0;
            ph = &out->ph[out->n++];
            ph->text = s;
            ph->len = (size_t)(t - s);
            ph->group = (unsigned)out->n_groups;
            s = t + 1;
            ph->prefix = skip(&s, "*");
            if (!skip(&s, " OR "))
                break;
        }
        if (!skip(&s, ")"))
            return 0;
        out->n_groups++;
        if (*s == '\0')
            return 1;
        if (!skip(&s, " AND "))
            return 0;
    }
}
