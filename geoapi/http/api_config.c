/*
 * api_config.c — the option table of geodir-api and the four sources that feed it (defaults,
 * --config FILE, GEODIR_* environment, command line), in the style of Redis's static_configs:
 * one row per option holds its name, type, default, range and help, and that row drives
 * parsing, validation, --help and --print-config alike.
 *
 * Not here: what the options mean at run time (api_server.c, the handlers).
 */
#include "api_config.h"
#include "gdir_log.h"
#include "gdir_parse.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum opt_type {
    OPT_STR,     /* any non-empty string (paths) */
    OPT_INT,     /* decimal integer in [min, max] */
    OPT_ADDR,    /* an IPv4 or IPv6 literal */
    OPT_LEVEL,   /* a log level name */
    OPT_OPTSTR,  /* a string that may be empty (then derived from other options) */
};

struct api_option {
    const char *name;     /* key in files, flag after "--", GEODIR_<NAME> in the environment */
    enum opt_type type;
    size_t offset;        /* field of struct api_config (char * or long, after type) */
    const char *def;      /* default, as text: parsed like any other source */
    long min, max;        /* range of OPT_INT */
    const char *meta;     /* placeholder shown in --help */
    const char *help;     /* one line for --help */
};

#define OPT(name, type, field, def, min, max, meta, help)                                          \
    { name, type, offsetof(struct api_config, field), def, min, max, meta, help }

/* The whole configuration surface of geodir-api. */
static const struct api_option options[] = {
    OPT("listen", OPT_ADDR, listen, "127.0.0.1", 0, 0, "ADDR",
        "IP address to listen on (IPv4 or IPv6 literal)"),
    OPT("port", OPT_INT, port, "8080", 0, 65535, "N",
        "TCP port; 0 picks a free one (the line `listening on ...` tells which)"),
    OPT("db", OPT_STR, db, "data/geodir.sqlite", 0, 0, "FILE",
        "SpatiaLite database written by geodir-import (opened read-only)"),
    OPT("static_dir", OPT_STR, static_dir, "map-ui", 0, 0, "DIR",
        "folder of the map page, served at /"),
    OPT("vendor_dir", OPT_OPTSTR, vendor_dir, "", 0, 0, "DIR",
        "Leaflet's dist folder, served at /vendor/leaflet/ "
        "(default: <static_dir>/node_modules/leaflet/dist)"),
    OPT("threads", OPT_INT, threads, "4", 1, 64, "N",
        "worker threads, each with its own read-only SQLite connection"),
    OPT("default_limit", OPT_INT, default_limit, "50", 1, 10000, "N",
        "places returned by /api/places when no limit is given"),
    OPT("max_limit", OPT_INT, max_limit, "500", 1, 10000, "N",
        "largest limit; larger requests are clamped to it"),
    OPT("default_radius", OPT_INT, default_radius, "10000", 0, 1000000, "M",
        "search radius in metres when none is given"),
    OPT("max_radius", OPT_INT, max_radius, "50000", 0, 1000000, "M",
        "largest radius in metres; larger requests answer 400"),
    OPT("max_query_len", OPT_INT, max_query_len, "2048", 64, 16384, "BYTES",
        "longest query string accepted; longer ones answer 400"),
    OPT("max_q_len", OPT_INT, max_q_len, "200", 16, 2000, "BYTES",
        "longest search text (q) accepted; longer ones answer 400"),
    OPT("max_request_size", OPT_INT, max_request_size, "65536", 16384, 1048576, "BYTES",
        "longest request line and headers; longer ones answer 431"),
    OPT("max_upload_size", OPT_INT, max_upload_size, "10485760", 1024, 1073741824, "BYTES",
        "largest CSV upload of /api/search/csv/; larger ones answer 413"),
    OPT("max_csv_rows", OPT_INT, max_csv_rows, "100000", 1, 10000000, "N",
        "most rows of one CSV geocoded by /api/search/csv/; more answer 413"),
    OPT("gzip_level", OPT_INT, gzip_level, "4", 0, 9, "N",
        "gzip level of compressed answers (when the client accepts gzip); 0 never compresses"),
    OPT("max_connections", OPT_INT, max_connections, "10000", 1, 1000000, "N",
        "simultaneous connections in all; more are answered 503 and closed"),
    OPT("max_connections_per_ip", OPT_INT, max_connections_per_ip, "64", 1, 1000000, "N",
        "simultaneous connections from one address; more are answered 503 and closed"),
    OPT("head_timeout", OPT_INT, head_timeout, "10", 1, 3600, "S",
        "seconds for a whole request head to arrive, bytes or not; later: 408"),
    OPT("timeout", OPT_INT, timeout, "15", 1, 3600, "S",
        "seconds before an idle connection is closed (also a stalled body or answer)"),
    OPT("body_timeout", OPT_INT, body_timeout, "60", 1, 3600, "S",
        "seconds for a whole request body (CSV upload) to arrive; later: 408"),
    OPT("log_level", OPT_LEVEL, log_level, "info", 0, 0, "LEVEL",
        "debug, info, warn or error (logfmt lines on stderr)"),
    OPT("public_url", OPT_OPTSTR, public_url, "", 0, 0, "URL",
        "http(s) address of the service as users reach it (absolute links); empty: links "
        "name the request's Host only when it is a loopback address, else are relative"),
    OPT("export_tmp_dir", OPT_OPTSTR, export_tmp_dir, "", 0, 0, "DIR",
        "folder of the temporary files of binary exports (default: $TMPDIR, else /tmp)"),
    OPT("max_export_jobs", OPT_INT, max_export_jobs, "2", 1, 64, "N",
        "binary exports (gpkg, xlsx, kml, shp, fgb) built at once; more answer 503"),
    OPT("max_export_streams", OPT_INT, max_export_streams, "16", 1, 1024, "N",
        "streamed exports (geojson, csv) sent at once; more answer 503"),
    OPT("max_export_size", OPT_INT, max_export_size, "2147483648", 1048576, 1099511627776,
        "BYTES", "largest temporary file of one binary export; beyond, the export fails"),
    OPT("synonyms_file", OPT_OPTSTR, synonyms_file, "", 0, 0, "FILE",
        "the territory's search synonyms added to common/taxonomy_synonyms.def (docs/api.md)"),
    OPT("waste_file", OPT_OPTSTR, waste_file, "", 0, 0, "FILE",
        "the territory's waste collection configuration, JSON (docs/vie-locale.md §5), checked "
        "at start; empty: /api/waste answers 404"),
    OPT("forms_dir", OPT_OPTSTR, forms_dir, "", 0, 0, "DIR",
        "folder of the form definitions (docs/forms.md); empty: no online procedures"),
    OPT("forms_db", OPT_STR, forms_db, "data/forms.sqlite", 0, 0, "FILE",
        "SQLite database of the requests filed (created when missing; never the directory's)"),
    OPT("forms_files_dir", OPT_STR, forms_files_dir, "data/forms-files", 0, 0, "DIR",
        "folder of the requests' attachments (created when missing; outside static_dir)"),
    OPT("max_form_body", OPT_INT, max_form_body, "20971520", 1024, 1073741824, "BYTES",
        "largest body of a form submission or complement (413 beyond)"),
    OPT("secure_cookies", OPT_STR, secure_cookies, "auto", 0, 0, "auto|on|off",
        "Secure attribute of cookies; auto: on unless listen is a loopback address"),
    OPT("importer_config", OPT_OPTSTR, importer_config, "", 0, 0, "FILE",
        "territory configuration of the served database: accepted contributions go to its "
        "overrides file (docs/backoffice.md §7); empty: contributions cannot be accepted"),
    OPT("importer_command", OPT_STR, importer_command, "geodir-import", 0, 0, "PROGRAM",
        "geodir-import, run as --config importer_config --db db --refresh-overrides after "
        "each accepted contribution (found in PATH unless it contains a '/')"),
    OPT("forms_submit_rate", OPT_INT, forms_submit_rate, "10", 0, 1000000, "N",
        "form submissions per minute from one client address (429 beyond); 0: no limit"),
    OPT("forms_lookup_misses", OPT_INT, forms_lookup_misses, "20", 1, 1000000, "N",
        "wrong tracking codes or tokens from one address in 10 minutes before 429"),
    OPT("smtp_url", OPT_OPTSTR, smtp_url, "", 0, 0, "URL",
        "mail server for the back office's e-mails: smtp://host:587 or smtps://host:465; "
        "empty: none"),
    OPT("smtp_starttls", OPT_STR, smtp_starttls, "on", 0, 0, "on|off",
        "smtp:// URLs: require STARTTLS (off: plain text, only for a server on loopback)"),
    OPT("smtp_user", OPT_OPTSTR, smtp_user, "", 0, 0, "NAME",
        "SMTP authentication user (with smtp_password_file); empty: no authentication"),
    OPT("smtp_password_file", OPT_OPTSTR, smtp_password_file, "", 0, 0, "FILE",
        "file holding the SMTP password (its first line), readable by the server only"),
    OPT("sendmail_command", OPT_OPTSTR, sendmail_command, "", 0, 0, "CMD",
        "instead of SMTP: a sendmail-compatible command run with -t -i, the message on "
        "stdin (/usr/sbin/sendmail)"),
    OPT("mail_from", OPT_OPTSTR, mail_from, "", 0, 0, "ADDR",
        "sender of the e-mails: addr@host or \"Name <addr@host>\" (required with a "
        "transport)"),
    OPT("mail_retry_base", OPT_INT, mail_retry_base, "60", 1, 3600, "S",
        "first delay before sending a failed e-mail again; doubled each time, at most 60 "
        "times it"),
    OPT("metrics", OPT_STR, metrics, "loopback", 0, 0, "off|loopback|on",
        "GET /metrics (Prometheus): off (404), loopback (to 127.0.0.0/8 and ::1 only, "
        "else 403) or on (to every client: restrict it in the reverse proxy)"),
};

#define N_OPTIONS (sizeof options / sizeof options[0])
#define MAX_VALUE_LEN 4096
#define MAX_SOURCE_LEN 160

/* The raw text of each option and where it came from, while the sources are layered. */
struct raw_values {
    char *val[N_OPTIONS];                 /* owned */
    char src[N_OPTIONS][MAX_SOURCE_LEN];  /* "default", "FILE:12", "GEODIR_PORT", "--port" */
};

static const struct api_option *find_option(const char *name, size_t n)
{
    for (size_t i = 0; i < N_OPTIONS; i++)
        if (strlen(options[i].name) == n && strncmp(options[i].name, name, n) == 0)
            return &options[i];
    return NULL;
}

static int set_raw(struct raw_values *rv, const struct api_option *o, const char *value,
                   const char *source, struct gdir_err *err)
{
    size_t i = (size_t)(o - options);
    char *copy;

    if (strlen(value) > MAX_VALUE_LEN)
        return gdir_err_set_param(err, GDIR_ECONFIG, o->name, "%s (%s): value longer than %d bytes",
                                  o->name, source, MAX_VALUE_LEN);
    copy = strdup(value);
    if (!copy)
        return gdir_err_set(err, GDIR_ECONFIG, "out of memory");
    free(rv->val[i]);
    rv->val[i] = copy;
    snprintf(rv->src[i], sizeof rv->src[i], "%s", source);
    return GDIR_OK;
}

static void free_raw(struct raw_values *rv)
{
    for (size_t i = 0; i < N_OPTIONS; i++) {
        free(rv->val[i]);
        rv->val[i] = NULL;
    }
}

static char *trim(char *s)
{
    char *end;
    while (*s == ' ' || *s == '\t')
        s++;
    end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n'))
        *--end = '\0';
    return s;
}

/* Reads `key = value` lines; '#' starts a comment line; a value may be wrapped in "quotes". */
static int read_file(struct raw_values *rv, const char *path, struct gdir_err *err)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    long lineno = 0;
    int rc = GDIR_OK;

    if (!f)
        return gdir_err_set_param(err, GDIR_ECONFIG, "config", "--config %s: cannot open the file",
                                  path);
    while ((len = getline(&line, &cap, f)) >= 0) {
        char source[MAX_SOURCE_LEN], *key, *value, *eq;
        const struct api_option *o;

        lineno++;
        if (len > MAX_VALUE_LEN) {
            rc = gdir_err_set(err, GDIR_ECONFIG, "%s:%ld: line too long", path, lineno);
            break;
        }
        key = trim(line);
        if (*key == '\0' || *key == '#')
            continue;
        eq = strchr(key, '=');
        if (!eq) {
            rc = gdir_err_set(err, GDIR_ECONFIG, "%s:%ld: expected `key = value`", path, lineno);
            break;
        }
        *eq = '\0';
        key = trim(key);
        value = trim(eq + 1);
        size_t vlen = strlen(value);
        if (vlen >= 2 && value[0] == '"' && value[vlen - 1] == '"') {
            value[vlen - 1] = '\0';
            value++;
        }
        o = find_option(key, strlen(key));
        if (!o) {
            rc = gdir_err_set(err, GDIR_ECONFIG, "%s:%ld: unknown option \"%.64s\" (see --help)",
                              path, lineno, key);
            break;
        }
        snprintf(source, sizeof source, "%.120s:%ld", path, lineno);
        rc = set_raw(rv, o, value, source, err);
        if (rc)
            break;
    }
    if (!rc && ferror(f))
        rc = gdir_err_set(err, GDIR_ECONFIG, "%s: read error", path);
    free(line);
    fclose(f);
    return rc;
}

static int read_environment(struct raw_values *rv, struct gdir_err *err)
{
    for (size_t i = 0; i < N_OPTIONS; i++) {
        char var[64] = "GEODIR_";
        size_t n = strlen(var);
        for (const char *p = options[i].name; *p && n + 1 < sizeof var; p++)
            var[n++] = (char)toupper((unsigned char)*p);
        var[n] = '\0';
        const char *value = getenv(var);
        if (value && set_raw(rv, &options[i], value, var, err))
            return GDIR_ECONFIG;
    }
    return GDIR_OK;
}

/* Converts the layered text of every option into cfg, checking types and ranges. */
static int convert(const struct raw_values *rv, struct api_config *cfg, struct gdir_err *err)
{
    for (size_t i = 0; i < N_OPTIONS; i++) {
        const struct api_option *o = &options[i];
        const char *v = rv->val[i];
        char *field = (char *)cfg + o->offset;

        switch (o->type) {
        case OPT_INT: {
            long n;
            if (gdir_parse_long(v, o->min, o->max, &n))
                return gdir_err_set_param(err, GDIR_ECONFIG, o->name,
                                          "%s (%s): expected an integer in %ld..%ld, got \"%.64s\"",
                                          o->name, rv->src[i], o->min, o->max, v);
            memcpy(field, &n, sizeof n);
            continue;
        }
        case OPT_ADDR: {
            unsigned char addr[16];
            if (inet_pton(AF_INET, v, addr) != 1 && inet_pton(AF_INET6, v, addr) != 1)
                return gdir_err_set_param(err, GDIR_ECONFIG, o->name,
                                          "%s (%s): expected an IPv4 or IPv6 address, "
                                          "got \"%.64s\"",
                                          o->name, rv->src[i], v);
            break;
        }
        case OPT_LEVEL: {
            enum gdir_log_level level;
            if (gdir_log_parse_level(v, &level))
                return gdir_err_set_param(err, GDIR_ECONFIG, o->name,
                                          "%s (%s): expected debug, info, warn or error, "
                                          "got \"%.64s\"",
                                          o->name, rv->src[i], v);
            break;
        }
        case OPT_STR:
            if (*v == '\0')
                return gdir_err_set_param(err, GDIR_ECONFIG, o->name, "%s (%s): must not be empty",
                                          o->name, rv->src[i]);
            break;
        case OPT_OPTSTR:
            break;
        }
        char *copy = strdup(v);
        if (!copy)
            return gdir_err_set(err, GDIR_ECONFIG, "out of memory");
        memcpy(field, &copy, sizeof copy);   /* cfg takes ownership */
    }
    return GDIR_OK;
}

/* secure_cookies (auto: on unless listening on a loopback address). */
static int finish_forms(struct api_config *cfg, struct gdir_err *err)
{
    const char *v = cfg->secure_cookies;
    int loopback = strncmp(cfg->listen, "127.", 4) == 0 || strcmp(cfg->listen, "::1") == 0;

    if (strcmp(v, "auto") != 0 && strcmp(v, "on") != 0 && strcmp(v, "off") != 0)
        return gdir_err_set_param(err, GDIR_ECONFIG, "secure_cookies",
                                  "secure_cookies: expected auto, on or off, got \"%.64s\"", v);
    cfg->secure_cookies_on = strcmp(v, "on") == 0 || (strcmp(v, "auto") == 0 && !loopback);
    return GDIR_OK;
}

/* The e-mail transport: one of smtp_url and sendmail_command, with mail_from. */
static int finish_mail(struct api_config *cfg, struct gdir_err *err)
{
    const char *u = cfg->smtp_url;

    if (strcmp(cfg->smtp_starttls, "on") != 0 && strcmp(cfg->smtp_starttls, "off") != 0)
        return gdir_err_set_param(err, GDIR_ECONFIG, "smtp_starttls",
                                  "smtp_starttls: expected on or off, got \"%.64s\"",
                                  cfg->smtp_starttls);
    if (u[0] && strncmp(u, "smtp://", 7) != 0 && strncmp(u, "smtps://", 8) != 0)
        return gdir_err_set_param(err, GDIR_ECONFIG, "smtp_url", "smtp_url: expected "
                                  "smtp://host[:port] or smtps://host[:port]");
    if (u[0] && cfg->sendmail_command[0])
        return gdir_err_set_param(err, GDIR_ECONFIG, "sendmail_command", "sendmail_command: "
                                  "set either smtp_url or sendmail_command, not both");
    if (!!cfg->smtp_user[0] != !!cfg->smtp_password_file[0])
        return gdir_err_set_param(err, GDIR_ECONFIG, "smtp_user", "smtp_user and "
                                  "smtp_password_file go together");
    if ((u[0] || cfg->sendmail_command[0]) && !cfg->mail_from[0])
        return gdir_err_set_param(err, GDIR_ECONFIG, "mail_from", "mail_from: required to "
                                  "send e-mails (smtp_url or sendmail_command is set)");
    return GDIR_OK;
}

/* Rules that involve several options, and the derived default of vendor_dir. */
static int finish(struct api_config *cfg, struct gdir_err *err)
{
    struct stat st;

    if (cfg->default_limit > cfg->max_limit)
        return gdir_err_set_param(err, GDIR_ECONFIG, "default_limit",
                                  "default_limit (%ld) must not exceed max_limit (%ld)",
                                  cfg->default_limit, cfg->max_limit);
    if (cfg->default_radius > cfg->max_radius)
        return gdir_err_set_param(err, GDIR_ECONFIG, "default_radius",
                                  "default_radius (%ld) must not exceed max_radius (%ld)",
                                  cfg->default_radius, cfg->max_radius);
    if (cfg->public_url[0]) {
        const char *u = cfg->public_url;
        size_t n = strlen(u);
        size_t host = strncmp(u, "https://", 8) == 0 ? 8 : strncmp(u, "http://", 7) == 0 ? 7 : 0;
        if (!host || n == host || u[n - 1] == '/' || strcspn(u, " \t\r\n\"<>\\^`{|}") != n)
            return gdir_err_set_param(err, GDIR_ECONFIG, "public_url",
                                      "public_url: expected http(s)://host[:port][/path] without "
                                      "a trailing '/', got \"%.200s\"",
                                      u);
    }
    if (finish_forms(cfg, err) || finish_mail(cfg, err))
        return GDIR_ECONFIG;
    cfg->metrics_mode = strcmp(cfg->metrics, "off") == 0 ? API_METRICS_OFF
                        : strcmp(cfg->metrics, "on") == 0 ? API_METRICS_ON : API_METRICS_LOOPBACK;
    if (cfg->metrics_mode == API_METRICS_LOOPBACK && strcmp(cfg->metrics, "loopback") != 0)
        return gdir_err_set_param(err, GDIR_ECONFIG, "metrics", "metrics: expected off, "
                                  "loopback or on, got \"%.64s\"", cfg->metrics);
    if (stat(cfg->static_dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return gdir_err_set_param(err, GDIR_ECONFIG, "static_dir",
                                  "static_dir: \"%.200s\" is not a folder", cfg->static_dir);
    if (cfg->export_tmp_dir[0] == '\0') {
        const char *t = getenv("TMPDIR");
        char *v = strdup(t && t[0] == '/' ? t : "/tmp");
        if (!v)
            return gdir_err_set(err, GDIR_ECONFIG, "out of memory");
        free(cfg->export_tmp_dir);
        cfg->export_tmp_dir = v;
    }
    if (stat(cfg->export_tmp_dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return gdir_err_set_param(err, GDIR_ECONFIG, "export_tmp_dir",
                                  "export_tmp_dir: \"%.200s\" is not a folder",
                                  cfg->export_tmp_dir);
    if (cfg->vendor_dir[0] == '\0') {
        static const char suffix[] = "/node_modules/leaflet/dist";
        size_t n = strlen(cfg->static_dir) + sizeof suffix;
        char *v = malloc(n);
        if (!v)
            return gdir_err_set(err, GDIR_ECONFIG, "out of memory");
        snprintf(v, n, "%s%s", cfg->static_dir, suffix);
        free(cfg->vendor_dir);
        cfg->vendor_dir = v;
    }
    return GDIR_OK;
}

void api_config_help(FILE *out)
{
    fputs("usage: geodir-api [--config FILE] [--NAME VALUE | --NAME=VALUE]...\n"
          "\n"
          "Serves the geodir HTTP API (/api/...) and the map page from one SpatiaLite file\n"
          "built by geodir-import. Every option below can also be set in FILE as `NAME = VALUE`\n"
          "or in the environment as GEODIR_NAME (GEODIR_PORT=8081). Precedence, lowest first:\n"
          "defaults < --config FILE < environment < command line.\n"
          "\n",
          out);
    for (size_t i = 0; i < N_OPTIONS; i++) {
        char flag[64];
        snprintf(flag, sizeof flag, "--%s %s", options[i].name, options[i].meta);
        fprintf(out, "  %-24s %s\n", flag, options[i].help);
        if (options[i].type == OPT_INT)
            fprintf(out, "  %-24s %ld..%ld, default %s\n", "", options[i].min, options[i].max,
                    options[i].def);
        else if (options[i].def[0])
            fprintf(out, "  %-24s default %s\n", "", options[i].def);
    }
    fputs("  --config FILE            read settings from FILE (see config/geoapi.conf)\n"
          "  --print-config           print the effective settings as a config file and exit\n"
          "  --check-forms            load the form definitions of forms_dir against the\n"
          "                           communes of db, print what is wrong and exit (0: all\n"
          "                           good, 2: an error)\n"
          "  --help                   print this text and exit\n"
          "\n"
          "On start the server prints one line on stdout: `listening on http://ADDR:PORT`.\n"
          "SIGTERM or SIGINT stop it gracefully (exit status 0). Exit status 1: run-time failure\n"
          "(e.g. the port is taken); 2: bad configuration (including a database that cannot be\n"
          "opened).\n",
          out);
}

void api_config_dump(const struct api_config *cfg, FILE *out)
{
    for (size_t i = 0; i < N_OPTIONS; i++) {
        const char *field = (const char *)cfg + options[i].offset;
        if (options[i].type == OPT_INT) {
            long n;
            memcpy(&n, field, sizeof n);
            fprintf(out, "%s = %ld\n", options[i].name, n);
        } else {
            const char *s;
            memcpy(&s, field, sizeof s);
            fprintf(out, "%s = %s\n", options[i].name, s ? s : "");
        }
    }
}

void api_config_free(struct api_config *cfg)
{
    if (!cfg)
        return;
    for (size_t i = 0; i < N_OPTIONS; i++) {
        if (options[i].type == OPT_INT)
            continue;
        char **field = (char **)(void *)((char *)cfg + options[i].offset);
        free(*field);
        *field = NULL;
    }
}

/* Splits "--name=value" or "--name value"; returns the option or NULL (err filled). */
static const struct api_option *flag_option(int argc, char **argv, int *i, const char **value,
                                            struct gdir_err *err)
{
    const char *arg = argv[*i] + 2;
    const char *eq = strchr(arg, '=');
    size_t n = eq ? (size_t)(eq - arg) : strlen(arg);
    const struct api_option *o = find_option(arg, n);

    if (!o) {
        gdir_err_set(err, GDIR_ECONFIG, "unknown option \"%.64s\" (see --help)", argv[*i]);
        return NULL;
    }
    if (eq) {
        *value = eq + 1;
    } else if (*i + 1 < argc) {
        *value = argv[++*i];
    } else {
        gdir_err_set_param(err, GDIR_ECONFIG, o->name, "--%s: missing value", o->name);
        return NULL;
    }
    return o;
}

int api_config_load(struct api_config *cfg, int argc, char **argv, struct gdir_err *err)
{
    struct raw_values rv;
    const char *config_file = NULL;
    int print = 0, check_forms = 0, rc = GDIR_ECONFIG;

    memset(cfg, 0, sizeof *cfg);
    memset(&rv, 0, sizeof rv);
    gdir_err_clear(err);

    /* First pass: the meta flags, and the shape of the command line. */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            api_config_help(stdout);
            return API_CONFIG_DONE;
        } else if (strcmp(a, "--print-config") == 0) {
            print = 1;
        } else if (strcmp(a, "--check-forms") == 0) {
            check_forms = 1;
        } else if (strcmp(a, "--config") == 0) {
            if (i + 1 >= argc) {
                gdir_err_set_param(err, GDIR_ECONFIG, "config", "--config: missing file name");
                return GDIR_ECONFIG;
            }
            config_file = argv[++i];
        } else if (strncmp(a, "--config=", 9) == 0) {
            config_file = a + 9;
        } else if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
            gdir_err_set(err, GDIR_ECONFIG, "unexpected argument \"%.64s\" (see --help)", a);
            return GDIR_ECONFIG;
        } else {
            const char *value;
            if (!flag_option(argc, argv, &i, &value, err))
                return GDIR_ECONFIG;
        }
    }

    for (size_t i = 0; i < N_OPTIONS; i++)
        if (set_raw(&rv, &options[i], options[i].def, "default", err))
            goto out;
    if (config_file && read_file(&rv, config_file, err))
        goto out;
    if (read_environment(&rv, err))
        goto out;
    for (int i = 1; i < argc; i++) {
        const char *value;
        char source[80];
        const struct api_option *o;
        if (strcmp(argv[i], "--print-config") == 0 || strcmp(argv[i], "--check-forms") == 0 ||
            strncmp(argv[i], "--config=", 9) == 0)
            continue;
        if (strcmp(argv[i], "--config") == 0) {
            i++;
            continue;
        }
        o = flag_option(argc, argv, &i, &value, err);
        if (!o)
            goto out;
        snprintf(source, sizeof source, "--%s", o->name);
        if (set_raw(&rv, o, value, source, err))
            goto out;
    }
    if (convert(&rv, cfg, err) || finish(cfg, err))
        goto out;
    rc = GDIR_OK;
    cfg->check_forms = check_forms;
    if (print) {
        api_config_dump(cfg, stdout);
        rc = API_CONFIG_DONE;
    }
out:
    free_raw(&rv);
    if (rc != GDIR_OK)
        api_config_free(cfg);
    return rc;
}
