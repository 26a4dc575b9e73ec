/*
 * life_waste.c — the waste collection configuration (life_waste.h): the JSON file read with
 * cJSON and the house's key tables (gdir_cjson_check_keys, gdir_cjson_get_strs), validated
 * whole at start; the zone of an address (communes sorted by INSEE code, streets by their
 * gdir_address_key); the collection days of a window with the public-holiday rules and the
 * per-date exceptions applied (life_waste_next). Format: docs/vie-locale.md §5.
 */
#include "life_waste.h"

#include "gdir_address.h"
#include "gdir_buf.h"
#include "gdir_cjson.h"
#include "gdir_fs.h"
#include "gdir_hash.h"
#include "gdir_hours.h"
#include "gdir_mem.h"
#include "gdir_text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEXT_MAX 1000          /* bytes of any text of the file */
#define ID_MAX 32              /* bytes of a stream or zone id */
#define RULES_MAX 32           /* collection rules of one zone */
#define COMMUNES_MAX 2000      /* communes named by the whole file */
#define STREETS_MAX 5000       /* street names of the whole file */
#define EXCEPTIONS_MAX 1000
#define EXC_SHIFT_MAX 14       /* an exception moves a collection by at most this many days */
#define DECHETERIES_MAX 64
#define EVERY_MAX 8            /* every N weeks, N at most */
#define WHERE_MAX 160          /* bytes of the JSON path named in an error */

enum hrule { H_NONE, H_NEXT_DAY, H_PREVIOUS_DAY, H_SHIFT_WEEK, H_CANCEL };
static const char *const hrule_names[] = {"none", "next_day", "previous_day", "shift_week",
                                          "cancel", NULL};
static const char *const wday_keys[] = {"monday", "tuesday", "wednesday", "thursday", "friday",
                                        "saturday", "sunday", NULL};
static const char *const wday_fr[] = {"lundi", "mardi", "mercredi", "jeudi", "vendredi",
                                      "samedi", "dimanche"};
static const char *const month_fr[] = {"janvier", "février", "mars", "avril", "mai", "juin",
                                       "juillet", "août", "septembre", "octobre", "novembre",
                                       "décembre"};
#define NBSP "\xc2\xa0"

struct rule {
    int stream;
    unsigned mask;             /* bit w: weekday w (0 = Monday) */
    int every;                 /* weeks */
    long ref_week;             /* week index of the reference date */
    int has_time, hour, minute;
    enum hrule holiday;
};

struct zone {
    char *id, *label;
    struct rule rules[RULES_MAX];
    size_t n_rules;
};

struct street {
    char *key;                 /* gdir_address_key of the name */
    int zone;
};

struct commune {
    char insee[8];
    int zone;                  /* the zone of the whole commune, -1 when none */
    struct street *streets;
    size_t n_streets, cap_streets;
};

struct exception {
    long day, to;              /* to: -1 for a cancellation */
    uint32_t streams;          /* bit i: stream i; 0: every stream */
    int *zones;                /* zone indexes; NULL: every zone */
    size_t n_zones;
    char *reason;
};

struct stream_own {
    char *id, *label, *colour, *accepts, *put_out;
};

struct meta_own {
    char *title, *description, *source, *publisher, *licence, *date, *url;
};

struct life_waste {
    uint64_t hash;
    struct meta_own mo;
    struct life_waste_meta meta;
    struct stream_own so[LIFE_WASTE_STREAMS_MAX];
    struct life_waste_stream streams[LIFE_WASTE_STREAMS_MAX];
    size_t n_streams;
    enum hrule holiday;        /* the file's default rule */
    struct zone *zones;
    size_t n_zones;
    struct commune *communes;  /* sorted by INSEE code once loaded */
    size_t n_communes, cap_communes, n_street_names;
    struct exception *excs;
    size_t n_excs;
    char **places, **categories;   /* NULL-terminated */
};

/* What the parse functions share. */
struct pctx {
    struct life_waste *w;
    const char *name;
    struct gdir_err *err;
};

static const struct gdir_cjson_str meta_keys[] = {
    {"title", offsetof(struct meta_own, title), 1},
    {"description", offsetof(struct meta_own, description), 0},
    {"source", offsetof(struct meta_own, source), 1},
    {"publisher", offsetof(struct meta_own, publisher), 1},
    {"licence", offsetof(struct meta_own, licence), 1},
    {"date", offsetof(struct meta_own, date), 1},
    {"url", offsetof(struct meta_own, url), 0},
    {NULL, 0, 0}};

static const struct gdir_cjson_str stream_keys[] = {
    {"id", offsetof(struct stream_own, id), 1},
    {"label", offsetof(struct stream_own, label), 1},
    {"colour", offsetof(struct stream_own, colour), 1},
    {"accepts", offsetof(struct stream_own, accepts), 0},
    {NULL, 0, 0}};

/* ---- dates ----------------------------------------------------------------------------- */

long life_waste_days(struct life_waste_date d)
{
    return gdir_hours_day_number(d.y, d.m, d.d);
}

struct life_waste_date life_waste_from_days(long z)
{
    struct life_waste_date out;
    gdir_hours_civil_date(z, &out.y, &out.m, &out.d);
    return out;
}

static int wday_of(long day)
{
    long w = (day + 3) % 7;   /* 1970-01-01 was a Thursday */
    return (int)(w < 0 ? w + 7 : w);
}

static long week_of(long day)
{
    long x = day + 3;
    return x >= 0 ? x / 7 : -((-x + 6) / 7);
}

int life_waste_weekday(struct life_waste_date d)
{
    return wday_of(life_waste_days(d));
}

const char *life_waste_weekday_name(int wday)
{
    return wday >= 0 && wday < 7 ? wday_fr[wday] : "";
}

int life_waste_parse_date(const char *s, struct life_waste_date *out)
{
    struct life_waste_date d;
    int n = 0;
    if (!s || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", &d.y, &d.m, &d.d, &n) != 3 ||
        n != 10 || s[4] != '-' || s[7] != '-' || d.y < 1971 || d.y > 9997 || d.m < 1 ||
        d.m > 12 || d.d < 1)
        return GDIR_EINVAL;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return GDIR_EINVAL;
    struct life_waste_date back = life_waste_from_days(life_waste_days(d));
    if (back.d != d.d || back.m != d.m)
        return GDIR_EINVAL;   /* 2026-02-30 */
    *out = d;
    return GDIR_OK;
}

void life_waste_format_date(struct life_waste_date d, int with_year, char *out, size_t cap)
{
    int w = life_waste_weekday(d);
    if (with_year)
        snprintf(out, cap, "%s %d%s %s %d", wday_fr[w], d.d, d.d == 1 ? "er" : "",
                 month_fr[d.m - 1], d.y);
    else
        snprintf(out, cap, "%s %d%s %s", wday_fr[w], d.d, d.d == 1 ? "er" : "",
                 month_fr[d.m - 1]);
}

static int is_holiday(long day)
{
    struct life_waste_date d = life_waste_from_days(day);
    return gdir_hours_is_public_holiday(d.y, d.m, d.d) == 1;
}

/* The French name of a public holiday. */
static const char *holiday_name(long day)
{
    static const struct {
        int m, d;
        const char *name;
    } fixed[] = {{1, 1, "Jour de l'an"}, {5, 1, "Fête du Travail"}, {5, 8, "Victoire 1945"},
                 {7, 14, "Fête nationale"}, {8, 15, "Assomption"}, {11, 1, "Toussaint"},
                 {11, 11, "Armistice 1918"}, {12, 25, "Noël"}};
    struct life_waste_date d = life_waste_from_days(day);
    int em, ed;
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        if (fixed[i].m == d.m && fixed[i].d == d.d)
            return fixed[i].name;
    if (gdir_hours_easter(d.y, &em, &ed) == 0) {
        long easter = life_waste_days((struct life_waste_date){d.y, em, ed});
        if (day == easter + 1)
            return "Lundi de Pâques";
        if (day == easter + 39)
            return "Ascension";
        if (day == easter + 50)
            return "Lundi de Pentecôte";
    }
    return "Jour férié";
}

/* ---- validation helpers ------------------------------------------------------------------ */

__attribute__((format(printf, 3, 4))) static int bad(struct pctx *p, const char *path,
                                                     const char *fmt, ...)
{
    char what[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return gdir_err_set_param(p->err, GDIR_ECONFIG, path, "%s: %s: %s", p->name, path, what);
}

static int nomem(struct pctx *p)
{
    return gdir_err_set(p->err, GDIR_ENOMEM, "out of memory");
}

/* The member key of obj (NULL when absent or null: then *rc is an error if it is required), and
 * its path path.key in where. */
static const cJSON *get_member(struct pctx *p, const cJSON *obj, const char *key,
                               const char *path, int required, char where[WHERE_MAX], int *rc)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    snprintf(where, WHERE_MAX, "%s%s%s", path, path[0] ? "." : "", key);
    *rc = GDIR_OK;
    if (it && !cJSON_IsNull(it))
        return it;
    if (required)
        *rc = bad(p, where, "missing");
    return NULL;
}

/* A string member: NULL when absent; an error when not a string, too long or not UTF-8. */
static int get_str(struct pctx *p, const cJSON *obj, const char *key, const char *path,
                   int required, const char **out)
{
    char where[WHERE_MAX];
    int rc;
    const cJSON *it = get_member(p, obj, key, path, required, where, &rc);
    *out = NULL;
    if (!it)
        return rc;
    if (!cJSON_IsString(it))
        return bad(p, where, "expected a string");
    if (strlen(it->valuestring) > TEXT_MAX || !gdir_utf8_valid(it->valuestring,
                                                               strlen(it->valuestring)))
        return bad(p, where, "not UTF-8 text of at most %d bytes", TEXT_MAX);
    *out = it->valuestring;
    return GDIR_OK;
}

/* An array member (absent: *out NULL unless required). */
static int get_arr(struct pctx *p, const cJSON *obj, const char *key, const char *path,
                   int required, int max, const cJSON **out)
{
    char where[WHERE_MAX];
    int rc;
    const cJSON *it = get_member(p, obj, key, path, required, where, &rc);
    *out = NULL;
    if (!it)
        return rc;
    if (!cJSON_IsArray(it))
        return bad(p, where, "expected an array");
    if (cJSON_GetArraySize(it) > max)
        return bad(p, where, "more than %d entries", max);
    *out = it;
    return GDIR_OK;
}

static int check_id(struct pctx *p, const char *where, const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > ID_MAX || strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789_-") != n)
        return bad(p, where, "expected an id of 1 to %d characters a-z 0-9 _ -", ID_MAX);
    return GDIR_OK;
}

/* "HH:MM" */
static int parse_hm(const char *s, int *h, int *m)
{
    if (!s || strlen(s) != 5 || s[2] != ':' || s[0] < '0' || s[0] > '2' || s[1] < '0' ||
        s[1] > '9' || s[3] < '0' || s[3] > '5' || s[4] < '0' || s[4] > '9')
        return -1;
    *h = (s[0] - '0') * 10 + s[1] - '0';
    *m = (s[3] - '0') * 10 + s[4] - '0';
    return *h < 24 ? 0 : -1;
}

static int find_name(const char *const *names, const char *s)
{
    for (int i = 0; names[i]; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    return -1;
}

static int stream_index(const struct life_waste *w, const char *id)
{
    for (size_t i = 0; i < w->n_streams; i++)
        if (strcmp(w->streams[i].id, id) == 0)
            return (int)i;
    return -1;
}

static int zone_index(const struct life_waste *w, const char *id)
{
    for (size_t i = 0; i < w->n_zones; i++)
        if (w->zones[i].id && strcmp(w->zones[i].id, id) == 0)
            return (int)i;
    return -1;
}

static int get_hrule(struct pctx *p, const cJSON *obj, const char *path, enum hrule dflt,
                     enum hrule *out)
{
    const char *s;
    char where[160];
    int rc = get_str(p, obj, "holiday_rule", path, 0, &s), k;
    if (rc)
        return rc;
    *out = dflt;
    if (!s)
        return GDIR_OK;
    snprintf(where, sizeof where, "%s%sholiday_rule", path, path[0] ? "." : "");
    if ((k = find_name(hrule_names, s)) < 0)
        return bad(p, where, "expected none, next_day, previous_day, shift_week or cancel");
    *out = (enum hrule)k;
    return GDIR_OK;
}

/* ---- metadata and streams ---------------------------------------------------------------- */

static int parse_meta(struct pctx *p, const cJSON *root)
{
    static const char *const keys[] = {"title", "description", "example", "source", "publisher",
                                       "licence", "date", "url", NULL};
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(root, "metadata"), *ex;
    struct life_waste *w = p->w;
    struct life_waste_date d;
    int rc;

    if (!cJSON_IsObject(m))
        return bad(p, "metadata", m ? "expected an object" : "missing");
    if ((rc = gdir_cjson_check_keys(m, keys, p->name, "metadata", p->err)) ||
        (rc = gdir_cjson_get_strs(m, meta_keys, &w->mo, p->name, "metadata.", p->err)))
        return rc;
    if (life_waste_parse_date(w->mo.date, &d))
        return bad(p, "metadata.date", "expected a date YYYY-MM-DD");
    ex = cJSON_GetObjectItemCaseSensitive(m, "example");
    if (ex && !cJSON_IsBool(ex))
        return bad(p, "metadata.example", "expected true or false");
    w->meta = (struct life_waste_meta){w->mo.title, w->mo.description, w->mo.source,
                                       w->mo.publisher, w->mo.licence, w->mo.date, w->mo.url,
                                       cJSON_IsTrue(ex)};
    return GDIR_OK;
}

/* « 19 h », « 6 h 30 » */
static void fr_hour(char *out, size_t cap, int h, int m)
{
    if (m)
        snprintf(out, cap, "%d" NBSP "h" NBSP "%02d", h, m);
    else
        snprintf(out, cap, "%d" NBSP "h", h);
}

/* The put_out rule → its French sentence in so->put_out. */
static int parse_put_out(struct pctx *p, const cJSON *s, const char *path, struct stream_own *so)
{
    static const char *const keys[] = {"day", "from", "until", "text", NULL};
    const cJSON *po = cJSON_GetObjectItemCaseSensitive(s, "put_out");
    const char *day, *from, *until, *text;
    char where[96], sentence[300], hf[32] = "", hu[32] = "";
    int rc, h, m;

    snprintf(where, sizeof where, "%s.put_out", path);
    if (!cJSON_IsObject(po))
        return bad(p, where, po ? "expected an object" : "missing");
    if ((rc = gdir_cjson_check_keys(po, keys, p->name, where, p->err)) ||
        (rc = get_str(p, po, "day", where, 1, &day)) ||
        (rc = get_str(p, po, "from", where, 0, &from)) ||
        (rc = get_str(p, po, "until", where, 0, &until)) ||
        (rc = get_str(p, po, "text", where, 0, &text)))
        return rc;
    if (strcmp(day, "before") && strcmp(day, "same"))
        return bad(p, where, "day: expected before (the day before) or same (the day itself)");
    if (from && parse_hm(from, &h, &m) == 0)
        fr_hour(hf, sizeof hf, h, m);
    else if (from)
        return bad(p, where, "from: expected a time HH:MM");
    if (until && parse_hm(until, &h, &m) == 0)
        fr_hour(hu, sizeof hu, h, m);
    else if (until)
        return bad(p, where, "until: expected a time HH:MM");
    if (text)
        snprintf(sentence, sizeof sentence, "%s", text);
    else if (strcmp(day, "before") == 0)
        snprintf(sentence, sizeof sentence, "la veille au soir%s%s%s%s",
                 hf[0] ? ", à partir de " : "", hf, hu[0] ? ", ou le jour même avant " : "", hu);
    else
        snprintf(sentence, sizeof sentence, "le jour même%s%s", hu[0] ? ", avant " : "", hu);
    return (so->put_out = gdir_strdup(sentence)) ? GDIR_OK : nomem(p);
}

static int parse_stream(struct pctx *p, const cJSON *s, size_t i)
{
    static const char *const keys[] = {"id", "label", "colour", "accepts", "put_out", NULL};
    struct life_waste *w = p->w;
    struct stream_own *so = &w->so[i];
    char path[48], prefix[48], where[64];
    const char *c;
    int rc;

    snprintf(path, sizeof path, "streams[%zu]", i);
    snprintf(prefix, sizeof prefix, "streams[%zu].", i);
    snprintf(where, sizeof where, "%s.id", path);
    if (!cJSON_IsObject(s))
        return bad(p, path, "expected an object");
    if ((rc = gdir_cjson_check_keys(s, keys, p->name, path, p->err)) ||
        (rc = gdir_cjson_get_strs(s, stream_keys, so, p->name, prefix, p->err)) ||
        (rc = check_id(p, where, so->id)))
        return rc;
    if (stream_index(w, so->id) >= 0)
        return bad(p, where, "stream %s defined twice", so->id);
    c = so->colour;
    snprintf(where, sizeof where, "%s.colour", path);
    if (strlen(c) != 7 || c[0] != '#' || strspn(c + 1, "0123456789abcdefABCDEF") != 6)
        return bad(p, where, "expected a colour #rrggbb");
    if (strlen(so->label) > TEXT_MAX || (so->accepts && strlen(so->accepts) > TEXT_MAX))
        return bad(p, path, "text longer than %d bytes", TEXT_MAX);
    if ((rc = parse_put_out(p, s, path, so)))
        return rc;
    w->streams[i] = (struct life_waste_stream){so->id, so->label, so->colour, so->accepts,
                                               so->put_out};
    w->n_streams = i + 1;
    return GDIR_OK;
}

static int parse_streams(struct pctx *p, const cJSON *root)
{
    const cJSON *arr, *s;
    size_t i = 0;
    int rc = get_arr(p, root, "streams", "", 1, LIFE_WASTE_STREAMS_MAX, &arr);
    if (rc)
        return rc;
    if (cJSON_GetArraySize(arr) == 0)
        return bad(p, "streams", "at least one stream is needed");
    cJSON_ArrayForEach(s, arr) {
        if ((rc = parse_stream(p, s, i++)))
            return rc;
    }
    return GDIR_OK;
}

/* ---- zones ------------------------------------------------------------------------------- */

static int parse_rule(struct pctx *p, const cJSON *c, const char *path, struct zone *z)
{
    static const char *const keys[] = {"stream", "weekdays", "every_weeks", "reference", "time",
                                       "holiday_rule", NULL};
    struct rule *r = &z->rules[z->n_rules];
    const cJSON *days, *d, *every;
    const char *stream, *ref, *time;
    struct life_waste_date rd;
    char where[128];
    int rc, k;

    if (!cJSON_IsObject(c))
        return bad(p, path, "expected an object");
    if ((rc = gdir_cjson_check_keys(c, keys, p->name, path, p->err)) ||
        (rc = get_str(p, c, "stream", path, 1, &stream)) ||
        (rc = get_arr(p, c, "weekdays", path, 1, 7, &days)) ||
        (rc = get_str(p, c, "reference", path, 0, &ref)) ||
        (rc = get_str(p, c, "time", path, 0, &time)) ||
        (rc = get_hrule(p, c, path, p->w->holiday, &r->holiday)))
        return rc;
    snprintf(where, sizeof where, "%s.stream", path);
    if ((r->stream = stream_index(p->w, stream)) < 0)
        return bad(p, where, "no stream %s in streams", stream);
    snprintf(where, sizeof where, "%s.weekdays", path);
    r->mask = 0;
    cJSON_ArrayForEach(d, days) {
        if (!cJSON_IsString(d) || (k = find_name(wday_keys, d->valuestring)) < 0)
            return bad(p, where, "expected weekday names monday … sunday");
        r->mask |= 1u << k;
    }
    if (!r->mask)
        return bad(p, where, "at least one weekday is needed");
    every = cJSON_GetObjectItemCaseSensitive(c, "every_weeks");
    r->every = 1;
    snprintf(where, sizeof where, "%s.every_weeks", path);
    if (every && (!cJSON_IsNumber(every) || every->valuedouble < 1 ||
                  every->valuedouble > EVERY_MAX || every->valuedouble != (int)every->valuedouble))
        return bad(p, where, "expected a whole number of weeks from 1 to %d", EVERY_MAX);
    if (every)
        r->every = (int)every->valuedouble;
    snprintf(where, sizeof where, "%s.reference", path);
    if (ref && life_waste_parse_date(ref, &rd))
        return bad(p, where, "expected a date YYYY-MM-DD");
    if (r->every > 1 && !ref)
        return bad(p, where, "missing: a collection every %d weeks needs a reference date "
                             "(a day of a week with a collection)", r->every);
    r->ref_week = ref ? week_of(life_waste_days(rd)) : 0;
    snprintf(where, sizeof where, "%s.time", path);
    r->has_time = time != NULL;
    if (time && parse_hm(time, &r->hour, &r->minute))
        return bad(p, where, "expected a time HH:MM");
    z->n_rules++;
    return GDIR_OK;
}

/* The commune entry of insee, added when missing. NULL when out of memory. */
static struct commune *commune_get(struct life_waste *w, const char *insee)
{
    for (size_t i = 0; i < w->n_communes; i++)
        if (strcmp(w->communes[i].insee, insee) == 0)
            return &w->communes[i];
    if (gdir_grow(&w->communes, &w->cap_communes, w->n_communes + 1, sizeof *w->communes))
        return NULL;
    struct commune *c = &w->communes[w->n_communes++];
    memset(c, 0, sizeof *c);
    snprintf(c->insee, sizeof c->insee, "%s", insee);
    c->zone = -1;
    return c;
}

static int insee_ok(const cJSON *it)
{
    return cJSON_IsString(it) && strlen(it->valuestring) == 5 &&
           gdir_address_is_insee(it->valuestring, 5);
}

static int parse_zone_communes(struct pctx *p, const cJSON *zobj, const char *path, int zi)
{
    const cJSON *arr, *it;
    char where[128];
    int rc = get_arr(p, zobj, "communes", path, 0, COMMUNES_MAX, &arr);
    size_t k = 0;
    if (rc)
        return rc;
    cJSON_ArrayForEach(it, arr) {
        struct commune *c;
        snprintf(where, sizeof where, "%s.communes[%zu]", path, k++);
        if (!insee_ok(it))
            return bad(p, where, "expected an INSEE code");
        if (!(c = commune_get(p->w, it->valuestring)))
            return nomem(p);
        if (p->w->n_communes > COMMUNES_MAX)
            return bad(p, where, "more than %d communes", COMMUNES_MAX);
        if (c->zone >= 0)
            return bad(p, where, "commune %s is already in zone %s", c->insee,
                       p->w->zones[c->zone].id);
        c->zone = zi;
    }
    return GDIR_OK;
}

static int add_street(struct pctx *p, struct commune *c, const char *name, const char *where,
                      int zi)
{
    struct gdir_buf b;
    int rc;
    gdir_buf_init(&b, 4 * TEXT_MAX);
    if (gdir_address_key(&b, name) || !gdir_buf_str(&b)[0]) {
        gdir_buf_free(&b);
        return bad(p, where, "expected a street name");
    }
    for (size_t i = 0; i < c->n_streets; i++)
        if (strcmp(c->streets[i].key, gdir_buf_str(&b)) == 0) {
            gdir_buf_free(&b);
            return bad(p, where, "street « %s » of %s is already in zone %s", name, c->insee,
                       p->w->zones[c->streets[i].zone].id);
        }
    if (++p->w->n_street_names > STREETS_MAX)
        rc = bad(p, where, "more than %d street names", STREETS_MAX);
    else if (gdir_grow(&c->streets, &c->cap_streets, c->n_streets + 1, sizeof *c->streets))
        rc = nomem(p);
    else {
        c->streets[c->n_streets].zone = zi;
        c->streets[c->n_streets++].key = gdir_buf_steal(&b, NULL);
        rc = c->streets[c->n_streets - 1].key ? GDIR_OK : nomem(p);
    }
    gdir_buf_free(&b);
    return rc;
}

static int parse_zone_streets(struct pctx *p, const cJSON *zobj, const char *path, int zi)
{
    static const char *const keys[] = {"commune", "names", NULL};
    const cJSON *arr, *e, *names, *nm;
    char where[160];
    size_t k = 0, j;
    int rc = get_arr(p, zobj, "streets", path, 0, COMMUNES_MAX, &arr);
    if (rc)
        return rc;
    cJSON_ArrayForEach(e, arr) {
        struct commune *c;
        snprintf(where, sizeof where, "%s.streets[%zu]", path, k++);
        if (!cJSON_IsObject(e))
            return bad(p, where, "expected an object");
        if ((rc = gdir_cjson_check_keys(e, keys, p->name, where, p->err)) ||
            (rc = get_arr(p, e, "names", where, 1, STREETS_MAX, &names)))
            return rc;
        if (!insee_ok(cJSON_GetObjectItemCaseSensitive(e, "commune")))
            return bad(p, where, "commune: expected an INSEE code");
        if (!(c = commune_get(p->w, cJSON_GetObjectItemCaseSensitive(e, "commune")->valuestring)))
            return nomem(p);
        j = 0;
        cJSON_ArrayForEach(nm, names) {
            char w2[192];
            snprintf(w2, sizeof w2, "%s.names[%zu]", where, j++);
            if (!cJSON_IsString(nm) || strlen(nm->valuestring) > TEXT_MAX)
                return bad(p, w2, "expected a street name");
            if ((rc = add_street(p, c, nm->valuestring, w2, zi)))
                return rc;
        }
    }
    return GDIR_OK;
}

static int parse_zone(struct pctx *p, const cJSON *zobj, size_t zi)
{
    static const char *const keys[] = {"id", "label", "communes", "streets", "collections",
                                       NULL};
    struct zone *z = &p->w->zones[zi];
    const cJSON *rules, *c;
    const char *id, *label;
    char path[48], where[96];
    size_t k = 0;
    int rc;

    snprintf(path, sizeof path, "zones[%zu]", zi);
    snprintf(where, sizeof where, "%s.id", path);
    if (!cJSON_IsObject(zobj))
        return bad(p, path, "expected an object");
    if ((rc = gdir_cjson_check_keys(zobj, keys, p->name, path, p->err)) ||
        (rc = get_str(p, zobj, "id", path, 1, &id)) || (rc = check_id(p, where, id)) ||
        (rc = get_str(p, zobj, "label", path, 1, &label)))
        return rc;
    if (zone_index(p->w, id) >= 0)
        return bad(p, where, "zone %s defined twice", id);
    if (!(z->id = gdir_strdup(id)) || !(z->label = gdir_strdup(label)))
        return nomem(p);
    if ((rc = parse_zone_communes(p, zobj, path, (int)zi)) ||
        (rc = parse_zone_streets(p, zobj, path, (int)zi)) ||
        (rc = get_arr(p, zobj, "collections", path, 1, RULES_MAX, &rules)))
        return rc;
    cJSON_ArrayForEach(c, rules) {
        snprintf(where, sizeof where, "%s.collections[%zu]", path, k++);
        if ((rc = parse_rule(p, c, where, z)))
            return rc;
    }
    return GDIR_OK;
}

static int cmp_commune(const void *a, const void *b)
{
    return strcmp(((const struct commune *)a)->insee, ((const struct commune *)b)->insee);
}

static int parse_zones(struct pctx *p, const cJSON *root)
{
    const cJSON *arr, *z;
    size_t i = 0;
    int rc = get_arr(p, root, "zones", "", 1, LIFE_WASTE_ZONES_MAX, &arr);
    if (rc)
        return rc;
    if (!(p->w->zones = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof *p->w->zones)))
        return nomem(p);
    cJSON_ArrayForEach(z, arr) {
        p->w->n_zones = i + 1;
        if ((rc = parse_zone(p, z, i++)))
            return rc;
    }
    for (size_t k = 0; k < p->w->n_communes; k++) {
        const struct commune *c = &p->w->communes[k];
        if (c->zone < 0)
            return bad(p, "zones", "commune %s has zones by street but none for the rest of "
                                   "the commune: list it in the communes of one zone", c->insee);
    }
    qsort(p->w->communes, p->w->n_communes, sizeof *p->w->communes, cmp_commune);
    return GDIR_OK;
}

/* ---- exceptions and déchèteries ------------------------------------------------------------ */

static int parse_exc_lists(struct pctx *p, const cJSON *e, const char *path,
                           struct exception *x)
{
    const cJSON *streams, *zones, *it;
    char where[128];
    int rc, k;
    if ((rc = get_arr(p, e, "streams", path, 0, LIFE_WASTE_STREAMS_MAX, &streams)) ||
        (rc = get_arr(p, e, "zones", path, 0, LIFE_WASTE_ZONES_MAX, &zones)))
        return rc;
    snprintf(where, sizeof where, "%s.streams", path);
    cJSON_ArrayForEach(it, streams) {
        if (!cJSON_IsString(it) || (k = stream_index(p->w, it->valuestring)) < 0)
            return bad(p, where, "expected ids of streams");
        x->streams |= 1u << k;
    }
    snprintf(where, sizeof where, "%s.zones", path);
    if (zones && !(x->zones = calloc((size_t)cJSON_GetArraySize(zones) + 1, sizeof *x->zones)))
        return nomem(p);
    cJSON_ArrayForEach(it, zones) {
        if (!cJSON_IsString(it) || (k = zone_index(p->w, it->valuestring)) < 0)
            return bad(p, where, "expected ids of zones");
        x->zones[x->n_zones++] = k;
    }
    return GDIR_OK;
}

static int parse_exception(struct pctx *p, const cJSON *e, size_t i)
{
    static const char *const keys[] = {"date", "to", "cancel", "streams", "zones", "reason",
                                       NULL};
    struct exception *x = &p->w->excs[i];
    const char *date, *to, *reason;
    const cJSON *cancel = cJSON_GetObjectItemCaseSensitive(e, "cancel");
    struct life_waste_date d;
    char path[48], where[96];
    int rc;

    snprintf(path, sizeof path, "exceptions[%zu]", i);
    if (!cJSON_IsObject(e))
        return bad(p, path, "expected an object");
    if ((rc = gdir_cjson_check_keys(e, keys, p->name, path, p->err)) ||
        (rc = get_str(p, e, "date", path, 1, &date)) ||
        (rc = get_str(p, e, "to", path, 0, &to)) ||
        (rc = get_str(p, e, "reason", path, 0, &reason)) ||
        (rc = parse_exc_lists(p, e, path, x)))
        return rc;
    snprintf(where, sizeof where, "%s.date", path);
    if (life_waste_parse_date(date, &d))
        return bad(p, where, "expected a date YYYY-MM-DD");
    x->day = life_waste_days(d);
    if (cancel && !cJSON_IsBool(cancel))
        return bad(p, path, "cancel: expected true or false");
    if (!to == !cJSON_IsTrue(cancel))
        return bad(p, path, "expected either to (the new date) or cancel: true");
    x->to = -1;
    snprintf(where, sizeof where, "%s.to", path);
    if (to && life_waste_parse_date(to, &d))
        return bad(p, where, "expected a date YYYY-MM-DD");
    if (to && ((x->to = life_waste_days(d)) == x->day || labs(x->to - x->day) > EXC_SHIFT_MAX))
        return bad(p, where, "expected another date, at most %d days away", EXC_SHIFT_MAX);
    if (reason && !(x->reason = gdir_strdup(reason)))
        return nomem(p);
    return GDIR_OK;
}

static int parse_exceptions(struct pctx *p, const cJSON *root)
{
    const cJSON *arr, *e;
    size_t i = 0;
    int rc = get_arr(p, root, "exceptions", "", 0, EXCEPTIONS_MAX, &arr);
    if (rc || !arr)
        return rc;
    if (!(p->w->excs = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof *p->w->excs)))
        return nomem(p);
    cJSON_ArrayForEach(e, arr) {
        p->w->n_excs = i + 1;
        if ((rc = parse_exception(p, e, i++)))
            return rc;
    }
    return GDIR_OK;
}

static int str_list(struct pctx *p, const cJSON *obj, const char *key, char ***out)
{
    const cJSON *arr, *it;
    char where[64];
    size_t i = 0;
    int rc = get_arr(p, obj, key, "decheteries", 0, DECHETERIES_MAX, &arr);
    if (rc)
        return rc;
    if (!(*out = calloc((size_t)(arr ? cJSON_GetArraySize(arr) : 0) + 1, sizeof **out)))
        return nomem(p);
    cJSON_ArrayForEach(it, arr) {
        snprintf(where, sizeof where, "decheteries.%s[%zu]", key, i);
        if (!cJSON_IsString(it) || !it->valuestring[0] || strlen(it->valuestring) > 200)
            return bad(p, where, "expected a non-empty string of at most 200 bytes");
        if (!((*out)[i++] = gdir_strdup(it->valuestring)))
            return nomem(p);
    }
    return GDIR_OK;
}

static int parse_decheteries(struct pctx *p, const cJSON *root)
{
    static const char *const keys[] = {"places", "categories", NULL};
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(root, "decheteries");
    int rc;
    if (d && !cJSON_IsObject(d))
        return bad(p, "decheteries", "expected an object");
    if ((rc = gdir_cjson_check_keys(d, keys, p->name, "decheteries", p->err)) ||
        (rc = str_list(p, d, "places", &p->w->places)) ||
        (rc = str_list(p, d, "categories", &p->w->categories)))
        return rc;
    return GDIR_OK;
}

/* ---- loading ------------------------------------------------------------------------------ */

static int parse_root(struct pctx *p, const cJSON *root)
{
    static const char *const keys[] = {"metadata", "streams", "holiday_rule", "zones",
                                       "exceptions", "decheteries", NULL};
    int rc;
    if (!cJSON_IsObject(root))
        return bad(p, "(top level)", "expected an object");
    if ((rc = gdir_cjson_check_keys(root, keys, p->name, "", p->err)) ||
        (rc = parse_meta(p, root)) || (rc = parse_streams(p, root)) ||
        (rc = get_hrule(p, root, "", H_NEXT_DAY, &p->w->holiday)) ||
        (rc = parse_zones(p, root)) || (rc = parse_exceptions(p, root)) ||
        (rc = parse_decheteries(p, root)))
        return rc;
    return GDIR_OK;
}

int life_waste_parse(const char *text, size_t len, const char *name, struct life_waste **out,
                     struct gdir_err *err)
{
    struct life_waste *w = NULL;
    cJSON *root = NULL;
    int rc;

    *out = NULL;
    if (len > LIFE_WASTE_FILE_MAX)
        return gdir_err_set_param(err, GDIR_ETOOBIG, "waste_file", "%s: larger than %u bytes",
                                  name, LIFE_WASTE_FILE_MAX);
    if (!(w = calloc(1, sizeof *w)))
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    w->hash = gdir_fnv64(GDIR_FNV64_INIT, text, len);
    if (!(root = gdir_cjson_parse(text, len, name, GDIR_ECONFIG, err))) {
        rc = err->code ? err->code : GDIR_ECONFIG;
        goto out;
    }
    rc = parse_root(&(struct pctx){w, name, err}, root);
out:
    cJSON_Delete(root);
    if (rc)
        life_waste_free(w);
    else
        *out = w;
    return rc;
}

int life_waste_load(const char *path, struct life_waste **out, struct gdir_err *err)
{
    char *text = NULL;
    size_t len = 0;
    int rc = gdir_file_read(path, LIFE_WASTE_FILE_MAX, &text, &len, err);
    *out = NULL;
    if (rc == GDIR_OK)
        rc = life_waste_parse(text, len, path, out, err);
    free(text);
    return rc;
}

static void free_list(char **l)
{
    for (size_t i = 0; l && l[i]; i++)
        free(l[i]);
    free(l);
}

void life_waste_free(struct life_waste *w)
{
    if (!w)
        return;
    gdir_cjson_free_strs(meta_keys, &w->mo);
    for (size_t i = 0; i < LIFE_WASTE_STREAMS_MAX; i++) {
        gdir_cjson_free_strs(stream_keys, &w->so[i]);
        free(w->so[i].put_out);
    }
    for (size_t i = 0; w->zones && i < w->n_zones; i++) {
        free(w->zones[i].id);
        free(w->zones[i].label);
    }
    free(w->zones);
    for (size_t i = 0; i < w->n_communes; i++) {
        for (size_t k = 0; k < w->communes[i].n_streets; k++)
            free(w->communes[i].streets[k].key);
        free(w->communes[i].streets);
    }
    free(w->communes);
    for (size_t i = 0; i < w->n_excs; i++) {
        free(w->excs[i].zones);
        free(w->excs[i].reason);
    }
    free(w->excs);
    free_list(w->places);
    free_list(w->categories);
    free(w);
}

/* ---- reading ------------------------------------------------------------------------------ */

uint64_t life_waste_hash(const struct life_waste *w) { return w->hash; }
const struct life_waste_meta *life_waste_meta(const struct life_waste *w) { return &w->meta; }
size_t life_waste_n_streams(const struct life_waste *w) { return w->n_streams; }
size_t life_waste_n_communes(const struct life_waste *w) { return w->n_communes; }
const char *life_waste_zone_id(const struct life_waste_zone *z)
{
    return ((const struct zone *)(const void *)z)->id;
}
int life_waste_zone_collects(const struct life_waste_zone *z, int stream)
{
    const struct zone *zz = (const struct zone *)(const void *)z;
    for (size_t i = 0; i < zz->n_rules; i++)
        if (zz->rules[i].stream == stream)
            return 1;
    return 0;
}
const char *life_waste_zone_label(const struct life_waste_zone *z)
{
    return ((const struct zone *)(const void *)z)->label;
}
const char *const *life_waste_decheterie_places(const struct life_waste *w)
{
    return (const char *const *)w->places;
}
const char *const *life_waste_decheterie_categories(const struct life_waste *w)
{
    return (const char *const *)w->categories;
}

const struct life_waste_stream *life_waste_stream_at(const struct life_waste *w, size_t i)
{
    return i < w->n_streams ? &w->streams[i] : NULL;
}

const char *life_waste_commune_at(const struct life_waste *w, size_t i)
{
    return i < w->n_communes ? w->communes[i].insee : NULL;
}

const struct life_waste_zone *life_waste_zone_for(const struct life_waste *w, const char *insee,
                                                  const char *street, int *by_street)
{
    struct commune key;
    const struct commune *c;
    int zone;

    if (by_street)
        *by_street = 0;
    if (!insee)
        return NULL;
    snprintf(key.insee, sizeof key.insee, "%s", insee);
    if (!(c = bsearch(&key, w->communes, w->n_communes, sizeof key, cmp_commune)))
        return NULL;
    zone = c->zone;
    if (by_street)
        *by_street = c->n_streets > 0;
    if (street && street[0] && c->n_streets) {
        struct gdir_buf b;
        gdir_buf_init(&b, 4 * TEXT_MAX);
        if (gdir_address_key(&b, street) == 0 && gdir_buf_str(&b))
            for (size_t i = 0; i < c->n_streets; i++)
                if (strcmp(c->streets[i].key, gdir_buf_str(&b)) == 0)
                    zone = c->streets[i].zone;
        gdir_buf_free(&b);
    }
    return (const struct life_waste_zone *)(const void *)&w->zones[zone];
}

const struct life_waste_zone *life_waste_zone_in(const struct life_waste *w, const char *insee,
                                                 const char *id)
{
    struct commune key;
    const struct commune *c;
    int zi = id ? zone_index(w, id) : -1;

    if (zi < 0 || !insee)
        return NULL;
    snprintf(key.insee, sizeof key.insee, "%s", insee);
    if (!(c = bsearch(&key, w->communes, w->n_communes, sizeof key, cmp_commune)))
        return NULL;
    for (size_t i = 0; i < c->n_streets && c->zone != zi; i++)
        if (c->streets[i].zone == zi)
            return (const struct life_waste_zone *)(const void *)&w->zones[zi];
    return c->zone == zi ? (const struct life_waste_zone *)(const void *)&w->zones[zi] : NULL;
}

/* ---- the collection days ----------------------------------------------------------------- */

static long working_day(long day, int step)
{
    do
        day += step;
    while (wday_of(day) == 6 || is_holiday(day));
    return day;
}

static const struct exception *exception_for(const struct life_waste *w, long day, int stream,
                                             int zone)
{
    for (size_t i = 0; i < w->n_excs; i++) {
        const struct exception *x = &w->excs[i];
        int zone_ok = !x->zones;
        if (x->day != day || (x->streams && !(x->streams & (1u << stream))))
            continue;
        for (size_t k = 0; k < x->n_zones; k++)
            zone_ok |= x->zones[k] == zone;
        if (zone_ok)
            return x;
    }
    return NULL;
}

/* The public-holiday rule on the usual day `day`: *pk's date, cancellation and reason. */
static void apply_holiday(const struct rule *r, long day, struct life_waste_pickup *pk,
                          long *out)
{
    long monday = day - wday_of(day), h = -1;
    char when[64];

    *out = day;
    if (r->holiday == H_NONE)
        return;
    if (r->holiday == H_SHIFT_WEEK) {
        for (long k = monday; k <= day && h < 0; k++)
            if (is_holiday(k))
                h = k;
    } else if (is_holiday(day))
        h = day;
    if (h < 0)
        return;
    pk->why = LIFE_WASTE_HOLIDAY;
    if (r->holiday == H_CANCEL) {
        pk->cancelled = 1;
        snprintf(pk->reason, sizeof pk->reason, "%s (jour férié)" NBSP ": pas de collecte",
                 holiday_name(h));
        return;
    }
    *out = working_day(day, r->holiday == H_PREVIOUS_DAY ? -1 : 1);
    if (h == day) {
        snprintf(pk->reason, sizeof pk->reason, "%s (jour férié)", holiday_name(h));
        return;
    }
    life_waste_format_date(life_waste_from_days(h), 0, when, sizeof when);
    snprintf(pk->reason, sizeof pk->reason,
             "%s le %s (jour férié)" NBSP ": collectes de la semaine décalées d'un jour",
             holiday_name(h), when);
}

/* One usual collection day → the pickup that really happens. */
static void one_pickup(const struct life_waste *w, const struct rule *r, int zone, long day,
                       struct life_waste_pickup *pk, long *real)
{
    const struct exception *x = exception_for(w, day, r->stream, zone);
    memset(pk, 0, sizeof *pk);
    pk->stream = r->stream;
    pk->usual = life_waste_from_days(day);
    pk->has_time = r->has_time;
    pk->hour = r->hour;
    pk->minute = r->minute;
    if (x) {
        pk->why = LIFE_WASTE_EXCEPTION;
        pk->cancelled = x->to < 0;
        *real = x->to < 0 ? day : x->to;
        snprintf(pk->reason, sizeof pk->reason, "%s",
                 x->reason ? x->reason : "changement exceptionnel");
    } else
        apply_holiday(r, day, pk, real);
    pk->date = life_waste_from_days(*real);
    pk->shifted = *real != day;
}

static int cmp_pickup(const void *a, const void *b)
{
    const struct life_waste_pickup *x = a, *y = b;
    long dx = life_waste_days(x->date), dy = life_waste_days(y->date);
    if (dx != dy)
        return dx < dy ? -1 : 1;
    if (x->stream != y->stream)
        return x->stream - y->stream;
    if (x->cancelled != y->cancelled)
        return x->cancelled - y->cancelled;
    return (int)(life_waste_days(x->usual) - life_waste_days(y->usual));
}

/* Sorts and drops a second collection of one stream on one day (two rules, or a shift onto
 * a usual day). */
static size_t sort_unique(struct life_waste_pickup *v, size_t n)
{
    size_t k = 0;
    qsort(v, n, sizeof *v, cmp_pickup);
    for (size_t i = 0; i < n; i++) {
        if (k && v[k - 1].stream == v[i].stream && !v[k - 1].cancelled && !v[i].cancelled &&
            life_waste_days(v[k - 1].date) == life_waste_days(v[i].date))
            continue;
        v[k++] = v[i];
    }
    return k;
}

int life_waste_next(const struct life_waste *w, const struct life_waste_zone *zone,
                    struct life_waste_date from, int days, struct life_waste_pickup **out,
                    size_t *n, struct gdir_err *err)
{
    const struct zone *z = (const struct zone *)(const void *)zone;
    int zi = (int)(z - w->zones);
    long first = life_waste_days(from), last = first + days;   /* [first, last) */
    struct life_waste_pickup *v = NULL, pk;
    size_t nv = 0, cap = 0;

    *out = NULL;
    *n = 0;
    if (days < 1 || days > LIFE_WASTE_DAYS_MAX)
        return gdir_err_set_param(err, GDIR_EINVAL, "days", "days: expected 1 to %d",
                                  LIFE_WASTE_DAYS_MAX);
    if (from.y < 1971 || from.y > 9990)
        return gdir_err_set_param(err, GDIR_EINVAL, "from", "from: expected a year from 1971 "
                                  "to 9990");
    for (size_t ri = 0; ri < z->n_rules; ri++) {
        const struct rule *r = &z->rules[ri];
        for (long day = first - EXC_SHIFT_MAX; day < last + EXC_SHIFT_MAX; day++) {
            long real, wk = week_of(day) - r->ref_week;
            if (!(r->mask & (1u << wday_of(day))) || ((wk % r->every) + r->every) % r->every)
                continue;
            one_pickup(w, r, zi, day, &pk, &real);
            if (real < first || real >= last)
                continue;
            if (gdir_grow(&v, &cap, nv + 1, sizeof *v)) {
                free(v);
                return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
            }
            v[nv++] = pk;
        }
    }
    *n = v ? sort_unique(v, nv) : 0;
    *out = v;
    return GDIR_OK;
}
