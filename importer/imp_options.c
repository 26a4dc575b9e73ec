/*
 * imp_options.c — command-line parsing and usage text of geodir-import (see imp_options.h).
 */
#include "imp_options.h"

#include <string.h>

void imp_options_usage(FILE *out)
{
    fputs("usage: geodir-import --config FILE --db PATH [options]\n"
          "\n"
          "Reads every source of a territory configuration through GDAL/OGR with its mapping\n"
          "profile, builds a new SpatiaLite database next to PATH and swaps it in atomically.\n"
          "A failed import leaves the previous database and its reports untouched (its own\n"
          "reports are PATH.failed.*). One import at a time per PATH (lock file PATH.lock).\n"
          "\n"
          "  --config FILE     territory configuration (config/*.json)\n"
          "  --db PATH         database to build (its parent folders are created)\n"
          "  --source NAME     refresh: re-read only this source (repeatable); every other\n"
          "                    source's records are kept from the current PATH\n"
          "  --refresh-overrides\n"
          "                    apply the local corrections file again without reading any\n"
          "                    source: the entries appended since PATH was built are applied\n"
          "                    to a copy of PATH (seconds); after any other change of the\n"
          "                    file the places are rebuilt from the records kept in PATH\n"
          "  --data-dir DIR    folder of the source files (overrides the configuration's)\n"
          "  --profiles DIR    folder of the mapping profiles (default: $GEODIR_PROFILES,\n"
          "                    else the source tree's importer/profiles, else the installed ones)\n"
          "  --rejects FILE    rejected rows as CSV (default PATH.rejects.csv)\n"
          "  --report FILE     JSON report (default PATH.report.json)\n"
          "  --warnings FILE   records flagged, e.g. outside their commune, as CSV\n"
          "                    (default PATH.warnings.csv)\n"
          "  --merges FILE     records merged into one place, as CSV (default PATH.merges.csv)\n"
          "  --quiet           no summary table and no line per rejected row\n"
          "  --fetch           first download the sources that have a \"fetch\" entry and\n"
          "                    check them, then import the downloads (docs/configuration.md)\n"
          "  --fetch-dir DIR   folder of the downloads (default: downloads/ next to PATH)\n"
          "  --fetch-mirror URL\n"
          "                    download every fetched file from a mirror instead of its\n"
          "                    official host: https://host/path?query is asked as\n"
          "                    URL/host/path?query (an air-gapped mirror, e.g. made with\n"
          "                    wget --mirror; default: $GEODIR_FETCH_MIRROR, else none)\n"
          "  --no-exports      build no full export files (default: every format of\n"
          "                    open_data.exports, in PATH.exports/<build id>/)\n"
          "  --accept-shrink[=SOURCE]\n"
          "                    publish even when a source (every source, or SOURCE;\n"
          "                    repeatable) lost more rows than its guard allows: more than\n"
          "                    guard.max_rejected_percent (default 10) of its rows rejected,\n"
          "                    or guard.max_shrink_percent (default 20) fewer rows than the\n"
          "                    served PATH has of it. Without it such a run fails (exit 1)\n"
          "  --help, --version\n"
          "\n"
          "Exit status: 0 imported (some rows may be rejected), 1 import failed,\n"
          "2 usage or configuration error.\n",
          out);
}

/* Appends name to the list of a repeatable option (--source, --accept-shrink=), which may
 * name each source once. sep: what stands between the option and the name in messages.
 * Returns 0, or -1 with msg set. */
static int add_name(const char **list, size_t *n, const char *name, const char *opt,
                    const char *sep, char *msg, size_t msg_size)
{
    for (size_t j = 0; j < *n; j++)
        if (strcmp(list[j], name) == 0) {
            snprintf(msg, msg_size, "%s%s%s given twice", opt, sep, name);
            return -1;
        }
    if (*n == IMP_OPTIONS_SOURCES_MAX) {
        snprintf(msg, msg_size, "%s given more than %d times", opt, IMP_OPTIONS_SOURCES_MAX);
        return -1;
    }
    list[(*n)++] = name;
    return 0;
}

/* The int member of o that the option arg (without a value) sets to 1, or NULL. */
static int *flag_of(struct imp_options *o, const char *arg)
{
    static const struct {
        const char *name, *alias;
        size_t offset;
    } flags[] = {
        {"--quiet", "-q", offsetof(struct imp_options, quiet)},
        {"--fetch", NULL, offsetof(struct imp_options, fetch)},
        {"--refresh-overrides", NULL, offsetof(struct imp_options, refresh_overrides)},
        {"--no-exports", NULL, offsetof(struct imp_options, no_exports)},
        {"--accept-shrink", NULL, offsetof(struct imp_options, accept_shrink_all)},
    };

    for (size_t k = 0; k < sizeof flags / sizeof flags[0]; k++)
        if (strcmp(arg, flags[k].name) == 0 || (flags[k].alias && strcmp(arg, flags[k].alias) == 0))
            return (int *)((char *)o + flags[k].offset);
    return NULL;
}

enum imp_args imp_options_parse(struct imp_options *o, int argc, char **argv, char *msg,
                                size_t msg_size)
{
    static const struct {
        const char *name;
        size_t offset;
    } with_value[] = {
        {"--config", offsetof(struct imp_options, config)},
        {"--db", offsetof(struct imp_options, db)},
        {"--data-dir", offsetof(struct imp_options, data_dir)},
        {"--profiles", offsetof(struct imp_options, profiles_dir)},
        {"--rejects", offsetof(struct imp_options, rejects)},
        {"--report", offsetof(struct imp_options, report)},
        {"--fetch-dir", offsetof(struct imp_options, fetch_dir)},
        {"--fetch-mirror", offsetof(struct imp_options, fetch_mirror)},
        {"--warnings", offsetof(struct imp_options, warnings)},
        {"--merges", offsetof(struct imp_options, merges)},
        {"--source", 0},
    };

    memset(o, 0, sizeof *o);
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        size_t k, n = sizeof with_value / sizeof with_value[0];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
            return IMP_ARGS_HELP;
        if (strcmp(arg, "--version") == 0)
            return IMP_ARGS_VERSION;
        int *flag = flag_of(o, arg);
        if (flag) {
            *flag = 1;
            continue;
        }
        if (strncmp(arg, "--accept-shrink=", 16) == 0) {
            const char *name = arg + 16;
            if (!*name) {
                snprintf(msg, msg_size, "--accept-shrink=: empty source name");
                return IMP_ARGS_ERROR;
            }
            if (add_name(o->accept_shrink, &o->n_accept_shrink, name, "--accept-shrink", "=",
                         msg, msg_size))
                return IMP_ARGS_ERROR;
            continue;
        }
        for (k = 0; k < n; k++) {
            size_t len = strlen(with_value[k].name);
            if (strncmp(arg, with_value[k].name, len) == 0 && (arg[len] == '\0' || arg[len] == '='))
                break;
        }
        if (k == n) {
            snprintf(msg, msg_size, "unknown option '%s'", arg);
            return IMP_ARGS_ERROR;
        }
        const char *value = strchr(arg, '=') ? strchr(arg, '=') + 1 : NULL;
        if (!value) {
            if (i + 1 >= argc) {
                snprintf(msg, msg_size, "%s needs a value", with_value[k].name);
                return IMP_ARGS_ERROR;
            }
            value = argv[++i];
        }
        if (!*value) {
            snprintf(msg, msg_size, "%s: empty value", with_value[k].name);
            return IMP_ARGS_ERROR;
        }
        if (strcmp(with_value[k].name, "--source") == 0) {
            if (add_name(o->sources, &o->n_sources, value, "--source", " ", msg, msg_size))
                return IMP_ARGS_ERROR;
            continue;
        }
        const char **slot = (const char **)((char *)o + with_value[k].offset);
        if (*slot) {
            snprintf(msg, msg_size, "%s given twice", with_value[k].name);
            return IMP_ARGS_ERROR;
        }
        *slot = value;
    }
    if (!o->config || !o->db) {
        snprintf(msg, msg_size, "%s is required", !o->config ? "--config" : "--db");
        return IMP_ARGS_ERROR;
    }
    if (o->refresh_overrides && (o->n_sources || o->fetch)) {
        snprintf(msg, msg_size, "--refresh-overrides reads no source: not with %s",
                 o->fetch ? "--fetch" : "--source");
        return IMP_ARGS_ERROR;
    }
    if ((o->fetch_dir || o->fetch_mirror) && !o->fetch) {
        snprintf(msg, msg_size, "%s needs --fetch",
                 o->fetch_dir ? "--fetch-dir" : "--fetch-mirror");
        return IMP_ARGS_ERROR;
    }
    return IMP_ARGS_RUN;
}
