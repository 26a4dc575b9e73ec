/*
 * gdir_log.h — levelled logfmt logging to stderr:
 *   ts=2026-11-29T10:00:00Z level=info comp=api msg="listening" port=8080
 * The level is checked before anything is formatted. Never log personal data (form
 * contents, e-mail addresses, client IPs beyond what the access log needs).
 * Thread-safe: each line is written with a single fputs under stdio's own lock.
 */
#ifndef GDIR_LOG_H
#define GDIR_LOG_H

enum gdir_log_level { GDIR_LOG_DEBUG, GDIR_LOG_INFO, GDIR_LOG_WARN, GDIR_LOG_ERROR };

/* Sets the minimum level written (default INFO). Call at start-up only. */
void gdir_log_set_level(enum gdir_log_level level);

/* Parses "debug"/"info"/"warn"/"error"; returns 0 or GDIR_EINVAL. */
int gdir_log_parse_level(const char *s, enum gdir_log_level *out);

int gdir_log_enabled(enum gdir_log_level level);

/* Writes one line. fmt produces the logfmt fields after comp= (e.g. "msg=\"x\" n=3"). */
void gdir_log__write(enum gdir_log_level level, const char *comp, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define gdir_log(level, comp, ...)                                                                 \
    do {                                                                                           \
        if (gdir_log_enabled(level))                                                               \
            gdir_log__write(level, comp, __VA_ARGS__);                                             \
    } while (0)

#endif
