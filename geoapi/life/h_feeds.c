/*
 * h_feeds.c — what residents and other sites subscribe to (docs/vie-locale.md §6):
 *   GET /api/events.ics?commune=&category=   the agenda as iCalendar (RFC 5545): one VEVENT per
 *                                            published event, its RRULE and EXDATEs kept (not
 *                                            expanded), TZID=Europe/Paris (common/gdir_ical.h)
 *   GET /api/news.atom?commune=&kind=        news and alerts as Atom 1.0 (RFC 4287)
 *   GET /api/news.rss?commune=&kind=         the same as RSS 2.0
 *   GET /api/events.csv?commune=&category=&from=&to=
 *                                            the agenda as open data: one row per occurrence,
 *                                            under Licence Ouverte 2.0 (the columns: §6)
 * A commune gives its own items and the territory-wide ones; without one, the whole
 * territory's. Bad parameters answer 400 naming them. ETags come from the store's version
 * and the body (h_feeds_data.c), Cache-Control is the API's.
 */
#include "h_feeds.h"
#include "api_dbpool.h"
#include "api_handlers.h"
#include "api_html.h"
#include "api_life.h"
#include "gdir_csv.h"
#include "gdir_hours.h"
#include "gdir_ical.h"
#include "h_download.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CT_ICS "text/calendar; charset=utf-8"
#define CT_ATOM "application/atom+xml; charset=utf-8"
#define CT_RSS "application/rss+xml; charset=utf-8"
#define CT_CSV "text/csv; charset=utf-8; header=present"
#define NEWS_MAX 50                  /* entries of a news feed */
#define TAG_YEAR "2026"              /* the date of the tag: URIs of the entries (RFC 4151) */
#define ICS_PAST_DAYS 366            /* a calendar holds the events that occur since then */
#define ICS_END 4102444800LL         /* 2100-01-01: "no end" for the store's window */

/* What a feed request asks. */
struct feed_req {
    const char *commune;         /* INSEE code of a member commune, or NULL */
    const char *category;        /* event category code, or NULL */
    int kind;                    /* LIFE_NEWS, LIFE_ALERT, or -1: both */
    char where[200];             /* the commune's name, else the territory's */
    struct api_db *dir;          /* the directory (commune names) */
    struct life_db *db;          /* the daily-life store */
    long long version;           /* its change counter (the ETag) */
    char host[256];              /* the authority of UIDs and tag: URIs (feed_open) */
};

/* ---- parameters ---------------------------------------------------------------------------- */

static int read_params(const struct api_ctx *ctx, const struct api_request *req, int events,
                       struct feed_req *f, struct gdir_err *err)
{
    static const char *const kinds[] = {"news", "alert", NULL};
    int member = 0, k = -1, rc;

    memset(f, 0, sizeof *f);
    f->kind = -1;
    if (!feeds_enabled(ctx->cfg))
        return gdir_err_set(err, GDIR_EUNAVAIL, "the daily-life store is not configured");
    if ((rc = api_param_commune(req, &f->commune, err)) ||
        (rc = api_dbpool_get(ctx->pool, &f->dir, err)))
        return rc;
    if (f->commune && ((rc = api_q_commune_member(f->dir, f->commune, &member, err)) || !member))
        return rc ? rc : api_param_invalid(err, "commune", f->commune,
                                           "expected the INSEE code of a member commune");
    if (events) {
        f->category = api_param(req, "category");
        if (f->category && !life_category_label(f->category))
            return api_param_invalid(err, "category", f->category,
                                     "expected fete, marche, sport, culture, reunion, "
                                     "permanence, nature, solidarite or autre");
    } else {
        if ((rc = api_param_enum(req, "kind", kinds, &k, err)))
            return rc;
        f->kind = k < 0 ? -1 : k == 0 ? LIFE_NEWS : LIFE_ALERT;
    }
    if (f->commune && api_db_commune(f->dir, f->commune))
        snprintf(f->where, sizeof f->where, "%s", api_db_commune(f->dir, f->commune)->name);
    else
        api_life_territory_name(f->dir, f->where, sizeof f->where);
    if (!f->where[0])
        snprintf(f->where, sizeof f->where, "le territoire");
    return GDIR_OK;
}

/* The host of the public base URL (the authority of UIDs and tag: URIs), port left out. */
static void authority(const struct api_request *req, char *out, size_t cap)
{
    struct gdir_buf b;
    const char *s, *end;

    gdir_buf_init(&b, 0);
    feeds_base(req, &b);
    s = strstr(gdir_buf_str(&b), "://");
    s = s ? s + 3 : gdir_buf_str(&b);
    end = s + strcspn(s, ":/");
    if (*s == '[')
        end = strchr(s, ']') ? strchr(s, ']') + 1 : end;
    snprintf(out, cap, "%.*s", (int)(end - s), s);
    gdir_buf_free(&b);
}

/* A feed's parameters, then the store, its version and the host of the links. */
static int feed_open(const struct api_ctx *ctx, const struct api_request *req, int events,
                     struct feed_req *f, struct gdir_err *err)
{
    int rc;

    if ((rc = read_params(ctx, req, events, f, err)) || (rc = api_life_db(ctx, &f->db, err)) ||
        (rc = life_db_version(f->db, &f->version, err)))
        return rc;
    authority(req, f->host, sizeof f->host);
    return GDIR_OK;
}

/* The absolute URL of this request (base, path, parameters re-encoded). */
static int self_url(const struct api_request *req, struct gdir_buf *out)
{
    int rc = feeds_base(req, out);
    if (!rc)
        rc = gdir_buf_adds(out, req->path);
    for (size_t i = 0; !rc && i < req->n_params; i++) {
        rc = gdir_buf_addc(out, i ? '&' : '?');
        if (!rc)
            rc = api_pct_encode(out, req->params[i].name, 0);
        if (!rc)
            rc = gdir_buf_addc(out, '=');
        if (!rc)
            rc = api_pct_encode(out, req->params[i].value, 0);
    }
    return rc;
}

/* The communes of an item as "Name, Name" (INSEE codes when unknown), or the territory. */
static void communes_text(const struct feed_req *f, const struct life_item *it,
                          struct gdir_buf *out)
{
    if (it->territory) {
        gdir_buf_adds(out, "tout le territoire");
        return;
    }
    for (size_t i = 0; i < it->n_communes; i++) {
        const struct api_commune_entry *c = api_db_commune(f->dir, it->communes[i]);
        gdir_buf_printf(out, "%s%s", i ? ", " : "", c ? c->name : it->communes[i]);
    }
}

/* ---- iCalendar ----------------------------------------------------------------------------- */

static int ical_time(const char *local, struct gdir_ical_time *t, int *all_day)
{
    struct life_local l;
    struct gdir_err e;
    int rc = life_local_parse(local, "start", &l, all_day, &e);
    *t = (struct gdir_ical_time){l.year, l.month, l.day, l.hour, l.minute};
    return rc;
}

/* The day after t (a date). */
static void next_day(struct gdir_ical_time *t)
{
    struct gdir_paris_time p;
    time_t u;
    if (gdir_paris_to_utc(t->year, t->month, t->day, 12, 0, 0, &u) == 0 &&
        gdir_paris_from_utc(u + 86400, &p) == 0)
        *t = (struct gdir_ical_time){p.year, p.month, p.day, 0, 0};
}

/* EXDATEs of an item into ex[] (*n). */
static void ical_exdates(const char *s, struct gdir_ical_time *ex, size_t *n)
{
    char one[LIFE_LOCAL_LEN];
    int all_day;

    *n = 0;
    while (s && *s && *n < LIFE_EXDATES_MAX) {
        size_t len = strcspn(s, " ");
        if (len > 0 && len < sizeof one) {
            memcpy(one, s, len);
            one[len] = '\0';
            if (ical_time(one, &ex[*n], &all_day) == 0)
                (*n)++;
        }
        s += len;
        s += *s == ' ';
    }
}

/* The RRULE of an event as RFC 5545 §3.3.10 wants it: with a local DTSTART (TZID) an UNTIL
 * must be a UTC date-time (the end of the stored local day: 23:59:59 in Paris), with a date
 * DTSTART a date. out: the rule (cap bytes). */
static void ical_rrule(const char *rrule, int all_day, char *out, size_t cap)
{
    const char *u = strstr(rrule, "UNTIL=");
    size_t len = u ? strcspn(u + 6, ";") : 0;
    struct gdir_paris_time p;
    int y, m, d, hh, mm, ss;
    time_t t;
    char v[24] = "";

    snprintf(out, cap, "%s", rrule);
    if (!u)
        return;
    if (!all_day && len == 8 && sscanf(u + 6, "%4d%2d%2d", &y, &m, &d) == 3 &&
        gdir_paris_to_utc(y, m, d, 23, 59, 59, &t) == 0) {
        struct tm tm;
        if (gmtime_r(&t, &tm))
            strftime(v, sizeof v, "%Y%m%dT%H%M%SZ", &tm);
    } else if (all_day && len == 16 &&
               sscanf(u + 6, "%4d%2d%2dT%2d%2d%2dZ", &y, &m, &d, &hh, &mm, &ss) == 6) {
        char iso[32];
        snprintf(iso, sizeof iso, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d, hh, mm, ss);
        if (gdir_paris_parse(iso, &t) == 0 && gdir_paris_from_utc(t, &p) == 0)
            snprintf(v, sizeof v, "%04d%02d%02d", p.year, p.month, p.day);
    }
    if (v[0])
        snprintf(out, cap, "%.*sUNTIL=%s%s", (int)(u - rrule), rrule, v, u + 6 + len);
}

/* The description of an event: its text, then what a resident needs on the day. */
static void ical_description(const struct life_item *it, struct gdir_buf *d)
{
    gdir_buf_adds(d, it->text_plain ? it->text_plain : "");
    if (it->organiser)
        gdir_buf_printf(d, "\n\nOrganisé par %s.", it->organiser);
    if (it->free)
        gdir_buf_adds(d, "\nGratuit.");
    else if (it->price)
        gdir_buf_printf(d, "\nTarif\u00a0: %s", it->price);
    if (it->accessibility)
        gdir_buf_printf(d, "\nAccessibilité\u00a0: %s", it->accessibility);
    if (it->url)
        gdir_buf_printf(d, "\nPlus d’informations\u00a0: %s", it->url);
    gdir_buf_printf(d, "\n\nPublié par %s, sous Licence Ouverte 2.0 (etalab-2.0).",
                    it->publisher ? it->publisher : "");
}

static int ical_item(struct gdir_buf *out, const struct api_request *req,
                     const struct feed_req *f, const struct life_item *it, const char *host)
{
    struct gdir_ical_time ex[LIFE_EXDATES_MAX];
    struct gdir_ical_event e;
    struct gdir_buf desc, loc, url;
    char uid[300], rrule[LIFE_RRULE_MAX + 32];
    int all_day, end_all_day;

    memset(&e, 0, sizeof e);
    if (ical_time(it->start, &e.start, &all_day) != 0)
        return 0;                       /* not an event the store would hold */
    if (it->end[0] ? ical_time(it->end, &e.end, &end_all_day) != 0 : 0)
        return 0;
    if (!it->end[0])
        e.end = e.start;
    if (all_day) {
        next_day(&e.end);               /* DTEND of dates is exclusive */
    } else if (!it->end[0] && ++e.end.hour == 24) {   /* no end: one hour */
        int minute = e.end.minute;
        next_day(&e.end);
        e.end.minute = minute;
    }
    gdir_buf_init(&desc, 0);
    gdir_buf_init(&loc, 0);
    gdir_buf_init(&url, 0);
    snprintf(uid, sizeof uid, "event-%lld@%s", it->id, host);
    ical_exdates(it->exdates, ex, &e.n_exdates);
    ical_description(it, &desc);
    if (it->place_name)
        gdir_buf_printf(&loc, "%s, ", it->place_name);
    if (it->address)
        gdir_buf_printf(&loc, "%s, ", it->address);
    communes_text(f, it, &loc);
    feeds_item_url(req, it, &url);
    e.uid = uid;
    e.stamp = (time_t)it->updated_at;
    e.all_day = all_day;
    if (it->rrule)
        ical_rrule(it->rrule, all_day, rrule, sizeof rrule);
    e.rrule = it->rrule ? rrule : NULL;
    e.exdates = ex;
    e.summary = it->title;
    e.description = gdir_buf_str(&desc);
    e.location = gdir_buf_str(&loc);
    e.has_geo = it->has_point;
    e.lat = it->lat;
    e.lon = it->lon;
    e.url = gdir_buf_str(&url);
    e.categories = it->category ? life_category_label(it->category) : NULL;
    e.status = "CONFIRMED";
    gdir_ical_event(out, &e);
    gdir_buf_free(&desc);
    gdir_buf_free(&loc);
    gdir_buf_free(&url);
    return out->err;
}

struct ical_walk {
    const struct api_request *req;
    const struct feed_req *f;
    struct gdir_buf *out;
};

static int on_ical_item(void *arg, struct life_item *it)
{
    struct ical_walk *w = arg;
    return ical_item(w->out, w->req, w->f, it, w->f->host);
}

int h_events_ics(const struct api_ctx *ctx, const struct api_request *req,
                 struct api_response *res, struct gdir_err *err)
{
    struct life_filter lf = {.kind = LIFE_EVENT, .status = LIFE_PUBLISHED, .visible = 1};
    struct gdir_ical_cal cal = {0};
    struct feed_req f;
    struct ical_walk w = {req, &f, &res->body};
    char name[400], about[600];
    int rc;

    if ((rc = feed_open(ctx, req, 1, &f, err)))
        return rc;
    snprintf(name, sizeof name, "Agenda — %s%s%s", f.where, f.category ? " — " : "",
             f.category ? life_category_label(f.category) : "");
    snprintf(about, sizeof about, "Les événements publiés pour %s, avec leurs répétitions. "
             "Licence Ouverte 2.0 (etalab-2.0).", f.where);
    cal.name = name;
    cal.description = about;
    lf.now = time(NULL);
    lf.commune = f.commune;
    lf.category = f.category;
    lf.from_utc = (long long)lf.now - ICS_PAST_DAYS * 86400LL;   /* not every past year */
    lf.to_utc = ICS_END;
    gdir_ical_begin(&res->body, &cal);
    rc = life_db_list(f.db, &lf, on_ical_item, &w, err);
    if (!rc)
        rc = gdir_ical_end(&res->body);
    if (rc)
        return err->code ? rc : gdir_err_set(err, rc, "events.ics: %s", gdir_err_text(rc));
    res->content_type = CT_ICS;
    feeds_etag(ctx, res, f.version);
    return GDIR_OK;
}

/* ---- Atom and RSS -------------------------------------------------------------------------- */

static const char *const fr_days[] = {"lundi", "mardi", "mercredi", "jeudi", "vendredi",
                                      "samedi", "dimanche"};
static const char *const fr_months[] = {"janvier", "février", "mars", "avril", "mai", "juin",
                                        "juillet", "août", "septembre", "octobre", "novembre",
                                        "décembre"};

/* « samedi 12 décembre 2026 à 8 h 30 » (local time) of t. */
static void french_time(time_t t, struct gdir_buf *out)
{
    struct gdir_paris_time p;
    if (gdir_paris_from_utc(t, &p) != 0)
        return;
    gdir_buf_printf(out, "%s %d %s %d à %d\u00a0h", fr_days[p.wday], p.day,
                    fr_months[p.month - 1], p.year, p.hour);
    if (p.minute)
        gdir_buf_printf(out, "\u00a0%02d", p.minute);
}

static const char *severity_label(const char *s)
{
    return !s                              ? NULL
           : strcmp(s, "critical") == 0    ? "Alerte urgente"
           : strcmp(s, "warning") == 0     ? "Alerte — vigilance"
                                           : "Alerte — information";
}

/* The HTML of an entry: an alert's validity, then the sanitised text. */
static void entry_html(const struct life_item *it, struct gdir_buf *out)
{
    if (it->kind == LIFE_ALERT && (it->valid_from || it->valid_until)) {
        gdir_buf_adds(out, "<p><strong>");
        if (it->valid_from) {
            gdir_buf_adds(out, "Du ");
            french_time((time_t)it->valid_from, out);
            gdir_buf_adds(out, it->valid_until ? " au " : "");
        } else {
            gdir_buf_adds(out, "Jusqu’au ");
        }
        if (it->valid_until)
            french_time((time_t)it->valid_until, out);
        gdir_buf_adds(out, "</strong></p>");
    }
    gdir_buf_adds(out, it->text_html ? it->text_html : "");
}

struct news_walk {
    const struct api_request *req;
    const struct feed_req *f;
    int rss;
    struct gdir_buf *out;        /* the entries */
    long long updated;           /* the newest change */
};

static void xml_elem(struct gdir_buf *b, const char *name, const char *text)
{
    gdir_buf_printf(b, "<%s>", name);
    api_xml_escape(b, text, 0);
    gdir_buf_printf(b, "</%s>\n", name);
}

/* RFC 3339 (Atom) or RFC 822 (RSS) date of t, in UTC. */
static void feed_date(time_t t, int rss, char *out, size_t cap)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        memset(&tm, 0, sizeof tm);
    if (rss)
        snprintf(out, cap, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday % 7],
                 tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                 tm.tm_sec);
    else
        snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void atom_entry(struct news_walk *w, const struct life_item *it, const char *url,
                       const char *html)
{
    struct gdir_buf *b = w->out;
    char date[40];

    gdir_buf_printf(b, "<entry>\n<id>tag:%s,%s:geodir:life:%lld</id>\n", w->f->host, TAG_YEAR,
                    it->id);
    xml_elem(b, "title", it->title);
    feed_date((time_t)it->updated_at, 0, date, sizeof date);
    xml_elem(b, "updated", date);
    feed_date((time_t)(it->published_at ? it->published_at : it->updated_at), 0, date,
              sizeof date);
    xml_elem(b, "published", date);
    gdir_buf_adds(b, "<author><name>");
    api_xml_escape(b, it->publisher, 0);
    gdir_buf_adds(b, "</name></author>\n<link rel=\"alternate\" type=\"text/html\" href=\"");
    api_xml_escape(b, url, 1);
    gdir_buf_printf(b, "\"/>\n<category term=\"%s\" label=\"%s\"/>\n",
                    it->kind == LIFE_ALERT ? "alert" : "news",
                    it->kind == LIFE_ALERT ? "Alerte" : "Actualité");
    if (it->kind == LIFE_ALERT && it->severity)
        gdir_buf_printf(b, "<category term=\"severity-%s\" label=\"%s\"/>\n", it->severity,
                        severity_label(it->severity));
    gdir_buf_adds(b, "<content type=\"html\">");
    api_xml_escape(b, html, 0);
    gdir_buf_adds(b, "</content>\n<rights>");
    api_xml_escape(b, it->publisher, 0);
    gdir_buf_adds(b, " — Licence Ouverte 2.0 (etalab-2.0)</rights>\n</entry>\n");
}

static void rss_item(struct news_walk *w, const struct life_item *it, const char *url,
                     const char *html)
{
    struct gdir_buf *b = w->out;
    char date[40];

    gdir_buf_adds(b, "<item>\n");
    xml_elem(b, "title", it->title);
    xml_elem(b, "link", url);
    gdir_buf_printf(b, "<guid isPermaLink=\"false\">tag:%s,%s:geodir:life:%lld</guid>\n",
                    w->f->host, TAG_YEAR, it->id);
    feed_date((time_t)(it->published_at ? it->published_at : it->updated_at), 1, date,
              sizeof date);
    xml_elem(b, "pubDate", date);
    xml_elem(b, "dc:creator", it->publisher);
    xml_elem(b, "category", it->kind == LIFE_ALERT ? severity_label(it->severity) : "Actualité");
    xml_elem(b, "description", html);
    gdir_buf_adds(b, "</item>\n");
}

static int on_news_item(void *arg, struct life_item *it)
{
    struct news_walk *w = arg;
    struct gdir_buf url, html;

    gdir_buf_init(&url, 0);
    gdir_buf_init(&html, 0);
    feeds_item_url(w->req, it, &url);
    entry_html(it, &html);
    if (it->updated_at > w->updated)
        w->updated = it->updated_at;
    if (w->rss)
        rss_item(w, it, gdir_buf_str(&url), gdir_buf_str(&html));
    else
        atom_entry(w, it, gdir_buf_str(&url), gdir_buf_str(&html));
    gdir_buf_free(&url);
    gdir_buf_free(&html);
    return w->out->err;
}

/* The feed's head: title, links, dates, author, licence. */
static void feed_head(const struct news_walk *w, const char *title, const char *self,
                      const char *page, struct gdir_buf *b)
{
    char date[40];

    feed_date((time_t)w->updated, w->rss, date, sizeof date);
    if (w->rss) {
        gdir_buf_adds(b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\" "
                         "xmlns:atom=\"http://www.w3.org/2005/Atom\" "
                         "xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n<channel>\n");
        xml_elem(b, "title", title);
        xml_elem(b, "link", page);
        xml_elem(b, "description", title);
        xml_elem(b, "language", "fr");
        xml_elem(b, "lastBuildDate", date);
        xml_elem(b, "copyright", "Licence Ouverte 2.0 (etalab-2.0)");
        gdir_buf_adds(b, "<atom:link rel=\"self\" type=\"application/rss+xml\" href=\"");
        api_xml_escape(b, self, 1);
        gdir_buf_adds(b, "\"/>\n");
        return;
    }
    gdir_buf_adds(b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                     "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"fr\">\n");
    xml_elem(b, "id", self);
    xml_elem(b, "title", title);
    xml_elem(b, "updated", date);
    gdir_buf_adds(b, "<link rel=\"self\" type=\"application/atom+xml\" href=\"");
    api_xml_escape(b, self, 1);
    gdir_buf_adds(b, "\"/>\n<link rel=\"alternate\" type=\"text/html\" href=\"");
    api_xml_escape(b, page, 1);
    gdir_buf_adds(b, "\"/>\n<author><name>");
    api_xml_escape(b, w->f->where, 0);
    gdir_buf_adds(b, "</name></author>\n<rights>Licence Ouverte 2.0 (etalab-2.0)</rights>\n"
                     "<generator>geodir</generator>\n");
}

static int news(const struct api_ctx *ctx, const struct api_request *req,
                struct api_response *res, int rss, struct gdir_err *err)
{
    struct life_filter lf = {.status = LIFE_PUBLISHED, .visible = 1, .limit = NEWS_MAX};
    struct gdir_buf entries, self, page;
    struct feed_req f;
    struct news_walk w = {req, &f, rss, &entries, 0};
    char title[300];
    int rc;

    if ((rc = feed_open(ctx, req, 0, &f, err)))
        return rc;
    gdir_buf_init(&entries, 0);
    gdir_buf_init(&self, 0);
    gdir_buf_init(&page, 0);
    lf.kind = f.kind < 0 ? LIFE_ANY_NOT_EVENT : f.kind;
    lf.now = time(NULL);
    lf.commune = f.commune;
    rc = life_db_list(f.db, &lf, on_news_item, &w, err);
    snprintf(title, sizeof title, "%s — %s", f.kind == LIFE_NEWS ? "Actualités"
                                             : f.kind == LIFE_ALERT ? "Alertes"
                                                                    : "Actualités et alertes",
             f.where);
    if (!rc && !(rc = self_url(req, &self)) && !(rc = feeds_base(req, &page)) &&
        !(rc = gdir_buf_adds(&page, "/actualites"))) {
        feed_head(&w, title, gdir_buf_str(&self), gdir_buf_str(&page), &res->body);
        gdir_buf_add(&res->body, entries.data ? entries.data : "", entries.len);
        gdir_buf_adds(&res->body, rss ? "</channel>\n</rss>\n" : "</feed>\n");
        rc = entries.err ? entries.err : res->body.err;
    }
    gdir_buf_free(&entries);
    gdir_buf_free(&self);
    gdir_buf_free(&page);
    if (rc)
        return err->code ? rc : gdir_err_set(err, rc, "news feed: %s", gdir_err_text(rc));
    res->content_type = rss ? CT_RSS : CT_ATOM;
    feeds_etag(ctx, res, f.version);
    return GDIR_OK;
}

int h_news_atom(const struct api_ctx *ctx, const struct api_request *req,
                struct api_response *res, struct gdir_err *err)
{
    return news(ctx, req, res, 0, err);
}

int h_news_rss(const struct api_ctx *ctx, const struct api_request *req,
               struct api_response *res, struct gdir_err *err)
{
    return news(ctx, req, res, 1, err);
}

/* ---- the open data export (CSV) ------------------------------------------------------------ */

/* The columns of /api/events.csv, documented in docs/vie-locale.md §6 and docs/opendata.md. */
static const char *const csv_columns[] = {
    "identifiant", "evenement", "titre", "description", "date_debut", "date_fin",
    "journee_entiere", "recurrence", "rrule", "categorie", "categorie_libelle", "lieu",
    "adresse", "communes_insee", "communes", "tout_le_territoire", "latitude", "longitude",
    "organisateur", "tarif", "gratuit", "accessibilite", "url", "page", "editeur", "source",
    "licence", "date_maj", NULL,
};

/* A day parameter ("YYYY-MM-DD", local): the UTC instant of its midnight, or of the next
 * day's (next). 1 when absent, 0, or GDIR_EINVAL naming it. */
static int param_day(const struct api_request *req, const char *name, int next, time_t *out,
                     struct gdir_err *err)
{
    const char *v = api_param(req, name);
    struct gdir_paris_time p;
    struct life_local l;
    time_t noon;
    int all_day = 0;

    if (!v)
        return 1;
    if (life_local_parse(v, name, &l, &all_day, err) != 0 || !all_day ||
        gdir_paris_to_utc(l.year, l.month, l.day, 12, 0, 0, &noon) != 0 ||
        gdir_paris_from_utc(noon + (next ? 86400 : 0), &p) != 0 ||
        gdir_paris_to_utc(p.year, p.month, p.day, 0, 0, 0, out) != 0) {
        gdir_err_clear(err);
        return api_param_invalid(err, name, v, "expected a date YYYY-MM-DD");
    }
    return 0;
}

/* The window of the export: from and to (days), else the default one. */
static int csv_window(const struct api_request *req, time_t *from, time_t *to,
                      struct gdir_err *err)
{
    time_t f0, t0;
    int rf, rt;

    feeds_default_window(req->now, &f0, &t0);
    if ((rf = param_day(req, "from", 0, from, err)) < 0 ||
        (rt = param_day(req, "to", 1, to, err)) < 0)
        return rf < 0 ? rf : rt;
    if (rf)
        *from = rt ? f0 : *to - (time_t)(FEEDS_AHEAD_DAYS + FEEDS_BACK_DAYS) * 86400;
    if (rt)
        *to = rf ? t0 : *from + (time_t)(FEEDS_AHEAD_DAYS + FEEDS_BACK_DAYS) * 86400;
    if (*to <= *from)
        return api_param_invalid(err, "to", api_param(req, "to"), "expected a day after from");
    if (*to - *from > (time_t)FEEDS_SPAN_DAYS * 86400)
        return api_param_invalid(err, "to", api_param(req, "to") ? api_param(req, "to") : "",
                                 "expected at most 800 days after from");
    return GDIR_OK;
}

static void csv_field(struct gdir_buf *b, const char *s, int last)
{
    gdir_csv_field(b, s, ',');
    gdir_buf_adds(b, last ? GDIR_CSV_EOL : ",");
}

static void csv_row(struct gdir_buf *b, const struct api_request *req, const struct feed_req *f,
                    const struct feeds_occ *o)
{
    const struct life_item *it = o->it;
    char start[32], end[32], item[24], lat[24] = "", lon[24] = "", updated[32];
    struct gdir_buf t;
    struct life_rrule *r = NULL;
    struct gdir_err e;
    char sentence[300] = "";

    gdir_buf_init(&t, 0);
    gdir_paris_format(o->start, start, sizeof start);
    gdir_paris_format(o->end, end, sizeof end);
    gdir_paris_format((time_t)it->updated_at, updated, sizeof updated);
    snprintf(item, sizeof item, "%lld", it->id);
    if (it->has_point) {
        snprintf(lat, sizeof lat, "%.6f", it->lat);
        snprintf(lon, sizeof lon, "%.6f", it->lon);
    }
    if (it->rrule && life_rrule_parse(it->rrule, &r, &e) == 0 &&
        life_rrule_describe(r, sentence, sizeof sentence) != 0)
        sentence[0] = '\0';
    life_rrule_free(r);
    csv_field(b, o->id, 0);
    csv_field(b, item, 0);
    csv_field(b, it->title, 0);
    csv_field(b, it->text_plain, 0);
    csv_field(b, start, 0);
    csv_field(b, end, 0);
    csv_field(b, it->all_day ? "true" : "false", 0);
    csv_field(b, sentence, 0);
    csv_field(b, it->rrule, 0);
    csv_field(b, it->category, 0);
    csv_field(b, it->category ? life_category_label(it->category) : NULL, 0);
    csv_field(b, it->place_name, 0);
    csv_field(b, it->address, 0);
    for (size_t i = 0; i < it->n_communes; i++)
        gdir_buf_printf(&t, "%s%s", i ? ";" : "", it->communes[i]);
    csv_field(b, gdir_buf_str(&t), 0);
    gdir_buf_reset(&t);
    communes_text(f, it, &t);
    csv_field(b, gdir_buf_str(&t), 0);
    csv_field(b, it->territory ? "true" : "false", 0);
    csv_field(b, lat, 0);
    csv_field(b, lon, 0);
    csv_field(b, it->organiser, 0);
    csv_field(b, it->price, 0);
    csv_field(b, it->free ? "true" : "false", 0);
    csv_field(b, it->accessibility, 0);
    csv_field(b, it->url, 0);
    gdir_buf_reset(&t);
    feeds_item_url(req, it, &t);
    csv_field(b, gdir_buf_str(&t), 0);
    csv_field(b, it->publisher, 0);
    csv_field(b, it->source, 0);
    csv_field(b, it->licence ? it->licence : FEEDS_LICENCE, 0);
    csv_field(b, updated, 1);
    gdir_buf_free(&t);
}

int h_events_csv(const struct api_ctx *ctx, const struct api_request *req,
                 struct api_response *res, struct gdir_err *err)
{
    struct feeds_set set;
    struct feed_req f;
    time_t from, to;
    int rc;

    if ((rc = read_params(ctx, req, 1, &f, err)) || (rc = csv_window(req, &from, &to, err)) ||
        (rc = feeds_events(ctx, f.commune, f.category, from, to, &set, err)))
        return rc;
    for (size_t i = 0; csv_columns[i]; i++)
        csv_field(&res->body, csv_columns[i], !csv_columns[i + 1]);
    for (size_t i = 0; i < set.n_occ; i++)
        csv_row(&res->body, req, &f, &set.occ[i]);
    rc = res->body.err;
    if (!rc)
        rc = h_download_headers(res, "agenda-evenements.csv", FEEDS_LICENCE);
    if (!rc) {
        res->content_type = CT_CSV;
        feeds_etag(ctx, res, set.version);
    }
    feeds_set_free(&set);
    return rc ? gdir_err_set(err, rc, "events.csv: %s", gdir_err_text(rc)) : GDIR_OK;
}
