/*
 * bo_mail.c — building an e-mail (RFC 5322 headers, RFC 2047 encoded words, RFC 2045
 * quoted-printable) from an outbox row. See bo_mail.h.
 */
#include "bo_mail.h"

#include <stdio.h>
#include <string.h>

#define QP_LINE 76           /* characters of an encoded line, the soft break's '=' included */
#define WORD_PAYLOAD 63      /* 76 - " " - "=?UTF-8?Q?" - "?=": a continuation line's word */
#define RAW_HEADER_MAX 66    /* a value written as is must fit one line after "Subject: " */

static const char hexd[] = "0123456789ABCDEF";

int bo_mail_addr_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    const char *at = s ? strchr(s, '@') : NULL;

    if (n < 3 || n > BO_MAIL_ADDR_MAX || !at || at == s || !at[1] || strchr(at + 1, '@'))
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= ' ' || *p == 0x7f || strchr("<>\",;()[]\\", *p))
            return 0;
    return 1;
}

int bo_mail_from_addr(const char *from, char out[BO_MAIL_ADDR_MAX + 1], struct gdir_err *err)
{
    const char *lt = strrchr(from, '<'), *gt = lt ? strchr(lt, '>') : NULL;
    size_t n;

    if (lt && (!gt || gt[1] != '\0'))
        return gdir_err_set_param(err, GDIR_EINVAL, "mail_from", "mail_from: expected "
                                  "\"addr@host\" or \"Name <addr@host>\"");
    const char *a = lt ? lt + 1 : from;
    n = lt ? (size_t)(gt - a) : strlen(from);
    if (n > BO_MAIL_ADDR_MAX)
        return gdir_err_set_param(err, GDIR_EINVAL, "mail_from", "mail_from: address too long");
    memcpy(out, a, n);
    out[n] = '\0';
    if (!bo_mail_addr_ok(out))
        return gdir_err_set_param(err, GDIR_EINVAL, "mail_from", "mail_from: \"%.80s\" is not "
                                  "an e-mail address", out);
    return GDIR_OK;
}

/* 1 when value can go in a header as is: printable ASCII, short, no "=?". */
static int header_raw(const char *v)
{
    if (strlen(v) > RAW_HEADER_MAX || strstr(v, "=?"))
        return 0;
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        if (*p < ' ' || *p > '~')
            return 0;
    return 1;
}

/* Bytes of the UTF-8 sequence starting with c (1 for a stray byte). */
static size_t seq_len(unsigned char c)
{
    return c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
}

/* The Q encoding of one character (n bytes at p) into out; its length. */
static size_t q_char(const unsigned char *p, size_t n, char out[16])
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = p[i];
        if (c == ' ')
            out[k++] = '_';
        else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 strchr("!*+-/", c))
            out[k++] = (char)c;
        else {
            out[k++] = '=';
            out[k++] = hexd[c >> 4];
            out[k++] = hexd[c & 15];
        }
    }
    return k;
}

int bo_mail_header(struct gdir_buf *b, const char *name, const char *value)
{
    gdir_buf_printf(b, "%s: ", name);
    if (header_raw(value)) {
        gdir_buf_adds(b, value);
        return gdir_buf_adds(b, "\r\n");
    }
    /* the first line starts with "Name: ", the others with one space; lines <= 76 */
    size_t room = strlen(name) + 2 + 12 < 60 ? 76 - strlen(name) - 2 - 12 : 16;
    size_t used = 0;
    int open = 0;
    for (const unsigned char *p = (const unsigned char *)value; *p; ) {
        char enc[16];
        size_t n = seq_len(*p), k;
        for (size_t i = 1; i < n; i++)
            if (!p[i])
                n = i;   /* a truncated sequence: its bytes one by one */
        if (*p == '\r' || *p == '\n')
            k = q_char((const unsigned char *)" ", 1, enc);
        else
            k = q_char(p, n, enc);
        if (!open || used + k > room) {
            if (open) {
                gdir_buf_adds(b, "?=\r\n ");
                room = WORD_PAYLOAD;
            }
            gdir_buf_adds(b, "=?UTF-8?Q?");
            used = 0;
            open = 1;
        }
        gdir_buf_add(b, enc, k);
        used += k;
        p += n;
    }
    if (open)
        gdir_buf_adds(b, "?=");
    return gdir_buf_adds(b, "\r\n");
}

/* Appends one encoded unit (k bytes) to the current line, with a soft break when the line
 * would pass QP_LINE - 1 characters (room for the '='). */
static void qp_put(struct gdir_buf *b, const char *u, size_t k, size_t *col)
{
    if (*col + k > QP_LINE - 1) {
        gdir_buf_adds(b, "=\r\n");
        *col = 0;
    }
    gdir_buf_add(b, u, k);
    *col += k;
}

/* One line (without its '\n') in quoted-printable. */
static void qp_line(struct gdir_buf *b, const unsigned char *s, size_t n)
{
    size_t col = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        char u[3];
        int first = i == 0;
        int protect = first && (c == '.' || (c == 'F' && n >= 5 && memcmp(s, "From ", 5) == 0));
        int last = i + 1 == n;
        if (c == '\r' && last)
            break;   /* a CRLF text: its CR */
        if (protect || c == '=' || c > '~' || (c < ' ' && c != '\t') ||
            ((c == ' ' || c == '\t') && (last || (i + 2 == n && s[i + 1] == '\r')))) {
            u[0] = '=';
            u[1] = hexd[c >> 4];
            u[2] = hexd[c & 15];
            qp_put(b, u, 3, &col);
        } else {
            u[0] = (char)c;
            qp_put(b, u, 1, &col);
        }
    }
    gdir_buf_adds(b, "\r\n");
}

int bo_mail_qp(struct gdir_buf *b, const char *text)
{
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        qp_line(b, (const unsigned char *)p, n);
        p += n + (nl ? 1 : 0);
    }
    return b->err;
}

/* RFC 5322 date, in UTC, without the locale: "Tue, 14 Jul 2026 08:30:00 +0000". */
static void mail_date(time_t t, char out[40])
{
    static const char days[] = "SunMonTueWedThuFriSat";
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, 40, "%.3s, %02d %.3s %04d %02d:%02d:%02d +0000", days + 3 * tm.tm_wday,
             tm.tm_mday, months + 3 * tm.tm_mon, tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
             tm.tm_sec);
}

/* The From header: "Name <addr>" with the name encoded when needed, or the address. */
static void from_header(struct gdir_buf *b, const char *from, const char *addr)
{
    const char *lt = strrchr(from, '<');
    size_t n = lt ? (size_t)(lt - from) : 0;
    while (n && from[n - 1] == ' ')
        n--;
    if (!n) {
        bo_mail_header(b, "From", addr);
        return;
    }
    struct gdir_buf name;
    gdir_buf_init(&name, 1024);
    gdir_buf_add(&name, from, n);
    bo_mail_header(b, "From", gdir_buf_str(&name));
    gdir_buf_free(&name);
    if (b->err || b->len < 2)
        return;
    b->len -= 2;   /* reopen the line for the address */
    gdir_buf_printf(b, " <%s>\r\n", addr);
}

int bo_mail_build(struct gdir_buf *b, const struct bo_mail *m, struct gdir_err *err)
{
    char addr[BO_MAIL_ADDR_MAX + 1], date[40];
    int rc;

    if ((rc = bo_mail_from_addr(m->from, addr, err)))
        return rc;
    if (!bo_mail_addr_ok(m->to))
        return gdir_err_set_param(err, GDIR_EINVAL, "to", "not an e-mail address");
    mail_date(m->date, date);
    gdir_buf_printf(b, "Date: %s\r\nMessage-ID: %s\r\n", date, m->message_id);
    from_header(b, m->from, addr);
    gdir_buf_printf(b, "To: %s\r\n", m->to);
    bo_mail_header(b, "Subject", m->subject);
    gdir_buf_adds(b, "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                     "Content-Transfer-Encoding: quoted-printable\r\nAuto-Submitted: "
                     "auto-generated\r\n\r\n");
    bo_mail_qp(b, m->body);
    if (b->err)
        return gdir_err_set(err, b->err, "e-mail: %s", gdir_err_text(b->err));
    return GDIR_OK;
}
