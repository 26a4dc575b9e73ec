/*
 * http_include.c — the parser of the static pages' include directives (http_include.h):
 * `<!--# include file="NAME" -->`, nothing else. Hand-written, allocation-free, fuzzed.
 */
#include "http_include.h"

#include <string.h>

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_';
}

int http_include_name_ok(const char *name)
{
    static const char ext[] = ".html";
    size_t n = strlen(name), stem = n - (sizeof ext - 1);

    if (n >= HTTP_INCLUDE_NAME_MAX || n <= sizeof ext - 1 || strcmp(name + stem, ext) != 0)
        return 0;
    for (size_t i = 0; i < stem; i++)
        if (!is_name_char(name[i]))
            return 0;
    return 1;
}

/* Skips white space from *p (below len); returns how many bytes were skipped. */
static size_t skip_space(const char *text, size_t len, size_t *p)
{
    size_t from = *p;
    while (*p < len && is_space(text[*p]))
        (*p)++;
    return *p - from;
}

/* 1 when text[*p, len) starts with word (advancing *p past it), else 0. */
static int eat(const char *text, size_t len, size_t *p, const char *word)
{
    size_t n = strlen(word);
    if (len - *p < n || memcmp(text + *p, word, n) != 0)
        return 0;
    *p += n;
    return 1;
}

/* The first "<!--#" of text[off, len), or len. */
static size_t find_open(const char *text, size_t len, size_t off)
{
    static const char open[] = HTTP_INCLUDE_OPEN;
    for (size_t i = off; i + sizeof open - 1 <= len; i++)
        if (text[i] == '<' && memcmp(text + i, open, sizeof open - 1) == 0)
            return i;
    return len;
}

static int bad(struct gdir_err *err, size_t at, const char *what)
{
    return gdir_err_set(err, GDIR_EINVAL, "include directive at byte %zu: %s", at, what);
}

int http_include_next(const char *text, size_t len, size_t off, struct http_include *inc,
                      struct gdir_err *err)
{
    size_t start, p, name_from;

    if (off >= len)
        return 0;
    start = find_open(text, len, off);
    if (start == len)
        return 0;
    p = start + sizeof HTTP_INCLUDE_OPEN - 1;
    skip_space(text, len, &p);
    if (!eat(text, len, &p, "include") || !skip_space(text, len, &p))
        return bad(err, start, "only `include file=\"NAME\"` is supported");
    if (!eat(text, len, &p, "file=\""))
        return bad(err, start, "expected file=\"NAME\"");
    name_from = p;
    while (p < len && text[p] != '"' && p - name_from < HTTP_INCLUDE_NAME_MAX)
        p++;
    if (p == len || text[p] != '"' || p - name_from >= HTTP_INCLUDE_NAME_MAX)
        return bad(err, start, "unterminated or too long file name");
    memcpy(inc->name, text + name_from, p - name_from);
    inc->name[p - name_from] = '\0';
    if (memchr(inc->name, '\0', p - name_from) || !http_include_name_ok(inc->name))
        return bad(err, start, "the file must be a plain NAME.html of the partials' folder");
    p++;
    skip_space(text, len, &p);
    if (!eat(text, len, &p, "-->"))
        return bad(err, start, "expected -->");
    inc->start = start;
    inc->end = p;
    return 1;
}
