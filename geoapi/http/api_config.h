/*
 * api_config.h — geodir-api's settings, from one table of options (see api_config.c).
 *
 * Precedence, lowest first: the table's defaults < `--config FILE` (lines `key = value`) <
 * environment variables GEODIR_<NAME> (GEODIR_PORT, GEODIR_DB, …) < command-line flags
 * `--name value` or `--name=value`. Every value is validated once, at start-up; a bad value
 * is reported with where it came from, and main() exits with status 2.
 */
#ifndef API_CONFIG_H
#define API_CONFIG_H

#include <stdio.h>

#include "gdir_err.h"

struct api_config {
    char *listen;          /* IP literal to bind, "127.0.0.1" */
    long port;             /* TCP port; 0 = ephemeral (the bound port is printed) */
    char *db;              /* SpatiaLite file written by geodir-import */
    char *static_dir;      /* map-ui folder served at / */
    char *vendor_dir;      /* Leaflet's dist folder served at /vendor/leaflet/ */
    long threads;          /* worker threads, each with its own SQLite connection */
    long default_limit;    /* /api/places limit when none is given */
    long max_limit;        /* larger limits are clamped to this */
    long default_radius;   /* /api/places radius (metres) when none is given */
    long max_radius;       /* larger radii are refused (400) */
    long max_query_len;    /* longest accepted query string, bytes */
    long max_q_len;        /* longest search text (q), bytes */
    long max_request_size; /* memory for one request's line and headers, bytes */
    long max_upload_size;  /* largest request body (the CSV of /api/search/csv/), bytes */
    long max_csv_rows;     /* most rows of one CSV geocoded in one request */
    long gzip_level;       /* 0: never compress; 1..9: zlib level of gzip answers */
    long max_connections;  /* simultaneous connections in all */
    long max_connections_per_ip;   /* simultaneous connections from one address */
    long head_timeout;     /* a whole request head must arrive within it, seconds */
    long timeout;          /* idle connection timeout, seconds */
    long body_timeout;     /* a whole request body must arrive within it, seconds */
    char *log_level;       /* debug, info, warn, error */
    char *public_url;      /* "https://host[/path]" as users reach the service, or "" */
    char *export_tmp_dir;  /* folder of the temporary files of binary exports (/api/export) */
    long max_export_jobs;  /* binary exports built at once; more answer 503 */
    long max_export_streams;   /* streamed exports sent at once; more answer 503 */
    long max_export_size;  /* largest temporary file of one binary export, bytes */
    char *synonyms_file;   /* the territory's own search synonyms (api_synonyms.h); "": none */
    char *waste_file;      /* the territory's waste collection configuration (life/life_waste.h,
                            * docs/vie-locale.md §5); "": /api/waste answers 404 */
    char *forms_dir;       /* folder of the form definitions (docs/forms.md); "": no online
                            * procedures */
    char *forms_db;        /* the requests' SQLite database (created when missing) */
    char *forms_files_dir; /* the attachments' folder (outside static_dir) */
    long max_form_body;    /* largest body of a submission or a complement, bytes */
    char *secure_cookies;  /* auto, on, off: the Secure attribute of cookies */
    int secure_cookies_on; /* derived: 1 when cookies carry Secure */
    char *importer_config;    /* territory configuration (overrides file), or "" */
    char *importer_command;   /* geodir-import, run with --refresh-overrides */
    long forms_submit_rate;   /* submissions per minute from one address; 0: no limit */
    long forms_lookup_misses; /* wrong codes/tokens from one address in 10 minutes before 429 */
    char *smtp_url;        /* smtp://host:port or smtps://…; "": no SMTP (docs/backoffice.md §6) */
    char *smtp_starttls;   /* on, off: STARTTLS required on smtp:// */
    char *smtp_user;       /* SMTP authentication, "" for none */
    char *smtp_password_file;  /* its password's file */
    char *sendmail_command;    /* instead of SMTP: run with -t -i, the message on stdin */
    char *mail_from;       /* the e-mails' sender */
    long mail_retry_base;  /* seconds before the first retry (doubled, at most 60 times) */
    char *metrics;         /* off, loopback, on: who may read GET /metrics */
    int metrics_mode;      /* derived: API_METRICS_* */
    int check_forms;       /* --check-forms: load the definitions, say what is wrong, exit */
};

/* metrics_mode: GET /metrics answers 404, only to loopback clients (else 403), or to all. */
enum { API_METRICS_LOOPBACK, API_METRICS_OFF, API_METRICS_ON };   /* 0: the safe default */

/* api_config_load's positive outcome when --help or --print-config was handled (the text is
 * already on stdout): the caller exits with status 0. */
#define API_CONFIG_DONE 1

/* Fills cfg from the sources above. argv is borrowed. Returns 0 (cfg must then be released
 * with api_config_free), API_CONFIG_DONE, or GDIR_ECONFIG with err naming the option, its
 * source and what is wrong (cfg holds nothing to free). Not thread-safe (reads environ). */
int api_config_load(struct api_config *cfg, int argc, char **argv, struct gdir_err *err);

/* Releases the strings of cfg. NULL-safe. */
void api_config_free(struct api_config *cfg);

/* Writes the --help text, generated from the option table. */
void api_config_help(FILE *out);

/* Writes the effective configuration as a config file (`key = value` lines). */
void api_config_dump(const struct api_config *cfg, FILE *out);

#endif
