/*
 * api_csv.c — the CSV reader of batch geocoding. See api_csv.h. (The answer is written by the
 * one CSV field writer, common/gdir_csv.c.)
 *
 * Quoting follows RFC 4180 and, where files break it, what spreadsheet programs and Python's
 * csv module do: text after a closing quote is kept as part of the field, a quote inside an
 * unquoted field is an ordinary character, a lone CR ends a line.
 *
 * Not here: which columns are geocoded and the result columns (h_geocode.c).
 */
#include "api_csv.h"
#include "gdir_text.h"

#include <string.h>

static const char SEPARATORS[] = {',', ';', '\t', '|'};

/* Counts each candidate separator on the first line, outside quotes, and picks the one seen
 * most often (the order of SEPARATORS breaks ties); '\0' when none occurs. Also records the
 * header line's line end. */
static void detect(struct api_csv_reader *r)
{
    size_t counts[sizeof SEPARATORS] = {0}, best = 0;
    int quoted = 0;

    r->sep = '\0';
    r->eol = "\n";
    for (const char *p = r->p; p < r->end; p++) {
        if (*p == '"') {
            quoted = !quoted;
            continue;
        }
        if (quoted)
            continue;
        if (*p == '\r' || *p == '\n') {
            r->eol = (*p == '\r' && p + 1 < r->end && p[1] == '\n') ? "\r\n" : "\n";
            break;
        }
        for (size_t i = 0; i < sizeof SEPARATORS; i++)
            if (*p == SEPARATORS[i])
                counts[i]++;
    }
    for (size_t i = 0; i < sizeof SEPARATORS; i++)
        if (counts[i] > best) {
            best = counts[i];
            r->sep = SEPARATORS[i];
        }
    r->out_sep = r->sep ? r->sep : ',';
}

int api_csv_open(struct api_csv_reader *r, const char *data, size_t len, const char *param,
                 struct gdir_err *err)
{
    memset(r, 0, sizeof *r);
    gdir_buf_init(&r->rec, API_CSV_MAX_RECORD + API_CSV_MAX_FIELDS);
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        r->bom = 1;
        data += 3;
        len -= 3;
    }
    if (len == 0)
        return gdir_err_set_param(err, GDIR_EINVAL, param, "%s: the CSV file is empty", param);
    if (!gdir_utf8_valid(data, len) || memchr(data, '\0', len))
        return gdir_err_set_param(err, GDIR_EINVAL, param,
                                  "%s: the CSV file is not UTF-8 text (save it as \"CSV UTF-8\")",
                                  param);
    r->p = data;
    r->end = data + len;
    r->next_line = 1;
    detect(r);
    return GDIR_OK;
}

void api_csv_close(struct api_csv_reader *r)
{
    if (r)
        gdir_buf_free(&r->rec);
}

/* Ends the current field: NUL-terminates it in rec and starts the next one. At most
 * min(max, API_CSV_MAX_FIELDS - 1) fields per record. */
static int end_field(struct api_csv_reader *r, size_t *n, size_t max, const char *param,
                     struct gdir_err *err)
{
    size_t limit = max < API_CSV_MAX_FIELDS - 1 ? max : API_CSV_MAX_FIELDS - 1;

    if (gdir_buf_addc(&r->rec, '\0'))
        return gdir_err_set_param(err, GDIR_EINVAL, param,
                                  "%s: line %ld: record longer than %u bytes", param, r->line,
                                  API_CSV_MAX_RECORD);
    if (++*n > limit)
        return gdir_err_set_param(err, GDIR_EINVAL, param, "%s: line %ld: more than %zu columns",
                                  param, r->line, limit);
    r->offs[*n] = r->rec.len;
    return GDIR_OK;
}

int api_csv_next(struct api_csv_reader *r, const char **fields, size_t max, size_t *n,
                 const char *param, struct gdir_err *err)
{
    const char *p = r->p, *end = r->end;
    size_t nf = 0;
    int rc;

    *n = 0;
    /* Blank lines are no record. */
    while (p < end && (*p == '\r' || *p == '\n')) {
        if (*p == '\n' || !(p + 1 < end && p[1] == '\n'))
            r->next_line++;
        p++;
    }
    if (p >= end) {
        r->p = p;
        return 0;
    }
    r->line = r->next_line;
    gdir_buf_reset(&r->rec);
    r->offs[0] = 0;
    for (;;) {
        /* One field at p. */
        if (p < end && *p == '"') {
            p++;
            for (;;) {
                const char *q = memchr(p, '"', (size_t)(end - p));
                if (!q)
                    return gdir_err_set_param(err, GDIR_EINVAL, param,
                                              "%s: line %ld: a quoted field is never closed",
                                              param, r->line);
                for (const char *c = p; c < q; c++)
                    if (*c == '\n' || (*c == '\r' && !(c + 1 < q && c[1] == '\n')))
                        r->next_line++;
                if (gdir_buf_add(&r->rec, p, (size_t)(q - p)))
                    goto too_long;
                p = q + 1;
                if (p < end && *p == '"') {       /* "" is one quote */
                    if (gdir_buf_addc(&r->rec, '"'))
                        goto too_long;
                    p++;
                    continue;
                }
                break;
            }
        }
        /* Unquoted text (or what follows a closing quote), up to a separator or a line end. */
        {
            const char *s = p;
            while (p < end && *p != '\r' && *p != '\n' && (r->sep == '\0' || *p != r->sep))
                p++;
            if (p > s && gdir_buf_add(&r->rec, s, (size_t)(p - s)))
                goto too_long;
        }
        if (p < end && r->sep && *p == r->sep) {
            p++;
            if ((rc = end_field(r, &nf, max, param, err)))
                return rc;
            continue;
        }
        break;
    }
    if ((rc = end_field(r, &nf, max, param, err)))
        return rc;
    /* The line end. */
    if (p < end) {
        if (*p == '\r' && p + 1 < end && p[1] == '\n')
            p++;
        p++;
        r->next_line++;
    }
    r->p = p;
    for (size_t i = 0; i < nf; i++)
        fields[i] = r->rec.data + r->offs[i];
    *n = nf;
    return 1;
too_long:
    return gdir_err_set_param(err, GDIR_EINVAL, param, "%s: line %ld: record longer than %u bytes",
                              param, r->line, API_CSV_MAX_RECORD);
}
