/*
 * api_addok.c — addok's forms of the BAN-compatible parameters: aliases, the multi-value type
 * list, the CSV options' values, the upload's encodings, the answer's file name. See
 * api_addok.h.
 *
 * Not here: the parameters' meaning (h_geocode.c, h_geocode_csv.c), the CSV syntax (api_csv.c).
 */
#include "api_addok.h"
#include "gdir_geocoder.h"
#include "gdir_text.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define TYPE_NAME_MAX 16      /* bytes of the longest type name ("municipality"), and more */
#define DISPOSITION_NAME_MAX 80    /* bytes of the name: the header stays under 400 bytes */

const char *const API_ADDOK_LAT[] = {"lat", "latitude", NULL};
const char *const API_ADDOK_LON[] = {"lon", "lng", "long", "longitude", NULL};

const char *api_addok_alias(const struct api_request *req, const char *const *names,
                            const char **used)
{
    for (const char *const *p = names; *p; p++) {
        const char *v = api_param(req, *p);
        if (v) {
            *used = *p;
            return v;
        }
    }
    *used = NULL;
    return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* type                                                                                       */

#define TYPES_EXPECTED                                                                          \
    "expected housenumber, street, locality or municipality, several separated by spaces "    \
    "(type=street+housenumber) or the parameter repeated"

int api_addok_types(const char *const *vals, size_t n, const char *param, unsigned *mask,
                    struct gdir_err *err)
{
    *mask = 0;
    for (size_t i = 0; i < n; i++) {
        const char *p = vals[i];
        for (;;) {
            char item[API_QUOTE_MAX + 2];      /* quoted whole in an error (api_quote cuts) */
            enum gdir_geo_type t;
            size_t len, keep;

            while (*p == ' ')
                p++;
            if (!*p)
                break;
            len = strcspn(p, " ");
            keep = len < sizeof item - 1 ? len : sizeof item - 1;
            memcpy(item, p, keep);
            item[keep] = '\0';
            if (len > TYPE_NAME_MAX || gdir_geo_type_parse(item, &t))
                return api_param_invalid(err, param, item, TYPES_EXPECTED);
            *mask |= 1u << t;
            p += len;
        }
    }
    if (!*mask)
        return api_param_invalid(err, param, n ? vals[0] : "", TYPES_EXPECTED);
    return GDIR_OK;
}

size_t api_addok_type_names(unsigned mask, const char **names)
{
    size_t n = 0;
    for (unsigned t = GDIR_GEO_HOUSENUMBER; t <= GDIR_GEO_MUNICIPALITY; t++)
        if (mask & (1u << t))
            names[n++] = gdir_geo_type_name((enum gdir_geo_type)t);
    return n;
}

/* ------------------------------------------------------------------------------------------ */
/* CSV options                                                                                */

int api_addok_delimiter(const char *v, char *sep, struct gdir_err *err)
{
    unsigned char c = (unsigned char)v[0];
    if (c == 0 || v[1] != '\0' || c >= 0x80 || (c >= '0' && c <= '9') ||
        ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c == '"' || c == '\r' || c == '\n')
        return api_param_invalid(err, "delimiter", v,
                                 "expected one character that is not a letter, a digit, a "
                                 "quote or a line end (, ; | or a tab)");
    *sep = (char)c;
    return GDIR_OK;
}

static const struct {
    const char *name;
    enum api_addok_encoding enc;
} ENCODINGS[] = {
    {"utf-8", API_ENC_UTF8},       {"utf8", API_ENC_UTF8},         {"utf-8-sig", API_ENC_UTF8},
    {"u8", API_ENC_UTF8},          {"iso-8859-1", API_ENC_LATIN1}, {"iso8859-1", API_ENC_LATIN1},
    {"latin-1", API_ENC_LATIN1},   {"latin1", API_ENC_LATIN1},     {"l1", API_ENC_LATIN1},
    {"latin", API_ENC_LATIN1},     {"cp1252", API_ENC_CP1252},
    {"windows-1252", API_ENC_CP1252},
};

int api_addok_encoding(const char *v, enum api_addok_encoding *enc, struct gdir_err *err)
{
    char name[16];
    size_t len = strlen(v);

    if (len < sizeof name) {
        for (size_t i = 0; i <= len; i++)
            name[i] = v[i] == '_' ? '-' : v[i];
        for (size_t i = 0; i < sizeof ENCODINGS / sizeof ENCODINGS[0]; i++)
            if (strcasecmp(name, ENCODINGS[i].name) == 0) {
                *enc = ENCODINGS[i].enc;
                return GDIR_OK;
            }
    }
    return api_param_invalid(err, "encoding", v,
                             "expected utf-8 (utf-8-sig), iso-8859-1 (latin-1) or cp1252 "
                             "(windows-1252)");
}

/* ------------------------------------------------------------------------------------------ */
/* Encodings                                                                                  */

/* cp1252's bytes 0x80..0x9F (0: undefined, as Python's codec has them). */
static const unsigned short CP1252[32] = {
    0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
    0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178};

int api_addok_decode(enum api_addok_encoding enc, const char *s, size_t n, struct gdir_buf *out,
                     const char *param, struct gdir_err *err)
{
    for (size_t i = 0; i < n; i++) {
        unsigned c = (unsigned char)s[i];
        if (enc == API_ENC_CP1252 && c >= 0x80 && c < 0xA0) {
            c = CP1252[c - 0x80];
            if (!c)
                return gdir_err_set_param(err, GDIR_EINVAL, param,
                                          "%s: byte 0x%02X at offset %zu is not cp1252 text "
                                          "(give the file's encoding)", param,
                                          (unsigned char)s[i], i);
        }
        if (gdir_utf8_put(out, c))
            return gdir_err_set_param(err, GDIR_ETOOBIG, param,
                                      "%s: the file would exceed %zu bytes as UTF-8", param,
                                      out->max);
    }
    return GDIR_OK;
}

/* The byte of code point cp in enc, or -1. */
static int encode_one(enum api_addok_encoding enc, unsigned cp)
{
    if (cp < 0x80 || (cp >= 0xA0 && cp <= 0xFF))
        return (int)cp;
    if (enc == API_ENC_LATIN1)
        return cp <= 0xFF ? (int)cp : -1;
    for (unsigned i = 0; i < 32; i++)
        if (CP1252[i] && CP1252[i] == cp)
            return (int)(0x80 + i);
    return -1;
}

int api_addok_encode(enum api_addok_encoding enc, const char *s, size_t n, struct gdir_buf *out,
                     struct gdir_err *err)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;

    while (p < end) {
        unsigned cp = *p;
        size_t len = cp < 0x80 ? 1 : cp < 0xE0 ? 2 : cp < 0xF0 ? 3 : 4;
        int b;

        if (len > (size_t)(end - p))
            return gdir_err_set_param(err, GDIR_EINVAL, "encoding",
                                      "encoding: the answer is not UTF-8 text");
        if (len > 1) {
            cp &= 0x3F >> (len - 1);
            for (size_t k = 1; k < len; k++)
                cp = (cp << 6) | (p[k] & 0x3F);
        }
        b = encode_one(enc, cp);
        if (b < 0)
            return gdir_err_set_param(err, GDIR_EINVAL, "encoding",
                                      "encoding: the answer has the character U+%04X, which %s "
                                      "cannot write (ask for utf-8)", cp,
                                      enc == API_ENC_LATIN1 ? "iso-8859-1" : "cp1252");
        if (gdir_buf_addc(out, (char)b))
            return gdir_err_set(err, out->err ? out->err : GDIR_ENOMEM,
                                "encoding: the answer is too large");
        p += len;
    }
    return GDIR_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Content-Disposition                                                                        */

int api_addok_disposition(const char *upload, struct gdir_buf *out)
{
    char base[DISPOSITION_NAME_MAX + 1];
    const char *s = upload ? upload : "", *dot;
    size_t len, cut = 0;
    int plain = 1;

    /* The last path segment (a client may send one), without its extension. */
    for (const char *p = s; *p; p++)
        if (*p == '/' || *p == '\\')
            s = p + 1;
    dot = strrchr(s, '.');
    len = dot && dot > s ? (size_t)(dot - s) : strlen(s);
    if (len == 0 || !gdir_utf8_valid(s, len))
        s = "data", len = 4;
    /* Cut at a UTF-8 boundary. */
    while (cut < len) {
        size_t k = 1;
        while (cut + k < len && ((unsigned char)s[cut + k] & 0xC0) == 0x80)
            k++;
        if (cut + k > DISPOSITION_NAME_MAX)
            break;
        cut += k;
    }
    memcpy(base, s, cut);
    base[cut] = '\0';

    gdir_buf_adds(out, "attachment; filename=\"");
    for (const unsigned char *p = (const unsigned char *)base; *p; p++) {
        int ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                 (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' || *p == '_';
        if (!ok)
            plain = 0;
        if ((*p & 0xC0) != 0x80)           /* one '_' per character */
            gdir_buf_addc(out, ok ? (char)*p : '_');
    }
    gdir_buf_adds(out, ".geocoded.csv\"");
    if (!plain) {
        gdir_buf_adds(out, "; filename*=UTF-8''");
        api_pct_encode(out, base, 0);
        gdir_buf_adds(out, ".geocoded.csv");
    }
    return out->err;
}
