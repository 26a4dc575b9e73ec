/*
 * gdir_log.c — logfmt logger (see gdir_log.h).
 */
#include "gdir_log.h"
#include "gdir_err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static enum gdir_log_level min_level = GDIR_LOG_INFO;
static const char *const level_names[] = {"debug", "info", "warn", "error"};

void gdir_log_set_level(enum gdir_log_level level)
{
    min_level = level;
}

int gdir_log_parse_level(const char *s, enum gdir_log_level *out)
{
    for (int i = 0; i < 4; i++)
        if (s && strcmp(s, level_names[i]) == 0) {
            *out = (enum gdir_log_level)i;
            return GDIR_OK;
        }
    return GDIR_EINVAL;
}

int gdir_log_enabled(enum gdir_log_level level)
{
    return level >= min_level;
}

void gdir_log__write(enum gdir_log_level level, const char *comp, const char *fmt, ...)
{
    char line[2048], ts[32];
    struct tm tm;
    time_t now = time(NULL);
    va_list ap;
    int n;

    gmtime_r(&now, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    n = snprintf(line, sizeof line, "ts=%s level=%s comp=%s ", ts, level_names[level], comp);
    if (n < 0 || (size_t)n >= sizeof line)
        return;
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    size_t len = strlen(line);
    line[len] = '\n';
    line[len + 1] = '\0';
    fputs(line, stderr);
}
