/*
 * life_db_check.c — life_item_prepare (life_db.h): the checks and normalisation of an item
 * before the store writes it — the one-line fields and the safe text (life_text.h), the
 * events' local times, recurrence and UTC span (life_rrule.h), the alerts' validity, and the
 * size and shape of every other field. Messages are French and name the field.
 */
#include "life_db.h"
#include "gdir_buf.h"
#include "gdir_date.h"
#include "gdir_geo.h"
#include "gdir_mem.h"
#include "gdir_text.h"
#include "life_rrule.h"
#include "life_text.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* *field made one line of at most max bytes (NULL when empty); required: must not be. */
static int line(char **field, size_t max, const char *param, int required, struct gdir_err *err)
{
    struct gdir_buf b;
    int rc = GDIR_OK;

    if (*field) {
        gdir_buf_init(&b, 0);
        if ((rc = life_text_line(*field, strlen(*field), max, &b, err))) {
            gdir_buf_free(&b);
            err->code = rc;
            snprintf(err->param, sizeof err->param, "%s", param);
            return rc;
        }
        free(*field);
        *field = b.len ? gdir_buf_steal(&b, NULL) : NULL;
        gdir_buf_free(&b);
        if (*field && strlen(*field) > max)
            return gdir_err_set_param(err, GDIR_ETOOBIG, param, "%s : %zu octets au plus.",
                                      param, max);
    }
    if (required && !*field)
        return gdir_err_set_param(err, GDIR_EINVAL, param, "%s : obligatoire.", param);
    return GDIR_OK;
}

/* The text as written, made safe: text_html and text_plain. */
static int text(struct life_item *it, int required, struct gdir_err *err)
{
    struct gdir_buf html, plain;
    const char *src = it->text_html ? it->text_html : "";
    int rc;

    gdir_buf_init(&html, 0);
    gdir_buf_init(&plain, 0);
    rc = life_text_sanitise(src, strlen(src), &html, &plain, err);
    if (!rc && required && !plain.len)
        rc = gdir_err_set_param(err, GDIR_EINVAL, "text", "text : obligatoire.");
    if (!rc && (gdir_buf_addc(&html, '\0') || gdir_buf_addc(&plain, '\0')))
        rc = gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    if (!rc) {
        free(it->text_html);
        free(it->text_plain);
        it->text_html = gdir_buf_steal(&html, NULL);
        it->text_plain = gdir_buf_steal(&plain, NULL);
    } else if (err->code != GDIR_ENOMEM) {
        snprintf(err->param, sizeof err->param, "text");
    }
    gdir_buf_free(&html);
    gdir_buf_free(&plain);
    return rc;
}

static int valid_email(const char *s)
{
    const char *at = strchr(s, '@');
    if (!at || at == s || strchr(at + 1, '@') || !strchr(at + 1, '.') || at[1] == '.')
        return 0;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= ' ' || strchr("<>\"'(),;:\\[]", *p))
            return 0;
    return s[strlen(s) - 1] != '.';
}

static int valid_phone(const char *s)
{
    int digits = 0;
    for (const char *p = s; *p; p++) {
        if (isdigit((unsigned char)*p))
            digits++;
        else if (!strchr(" +.-()", *p))
            return 0;
    }
    return digits >= 4;
}

static int valid_url(const char *s)
{
    if (strncmp(s, "https://", 8) && strncmp(s, "http://", 7))
        return 0;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == '"' || *p == '<' || *p == '>' || *p == '\\')
            return 0;
    return strlen(s) > 10;
}

/* Contact, url, organiser, price, accessibility, address, place name. */
static int details(struct life_item *it, struct gdir_err *err)
{
    int rc;

    if ((rc = line(&it->organiser, LIFE_SHORT_MAX, "organiser", 0, err)) ||
        (rc = line(&it->price, LIFE_SHORT_MAX, "price", 0, err)) ||
        (rc = line(&it->accessibility, LIFE_NOTE_MAX, "accessibility", 0, err)) ||
        (rc = line(&it->address, LIFE_LINE_MAX, "address", 0, err)) ||
        (rc = line(&it->place_name, LIFE_LINE_MAX, "place_id", 0, err)) ||
        (rc = line(&it->url, LIFE_NOTE_MAX, "url", 0, err)) ||
        (rc = line(&it->contact_email, LIFE_EMAIL_MAX, "contact.email", 0, err)) ||
        (rc = line(&it->contact_phone, LIFE_PHONE_MAX, "contact.phone", 0, err)) ||
        (rc = line(&it->source, LIFE_SHORT_MAX, "source", 0, err)))
        return rc;
    if (it->url && !valid_url(it->url))
        return gdir_err_set_param(err, GDIR_EINVAL, "url", "url : une adresse commençant par "
                                  "http:// ou https:// est attendue.");
    if (it->contact_email && !valid_email(it->contact_email))
        return gdir_err_set_param(err, GDIR_EINVAL, "contact.email", "contact.email : une "
                                  "adresse de la forme nom@exemple.fr est attendue.");
    if (it->contact_phone && !valid_phone(it->contact_phone))
        return gdir_err_set_param(err, GDIR_EINVAL, "contact.phone", "contact.phone : un "
                                  "numéro de téléphone est attendu.");
    if (it->place_id && (!it->place_id[0] || strlen(it->place_id) > LIFE_ID_MAX ||
                         !gdir_utf8_valid(it->place_id, strlen(it->place_id))))
        return gdir_err_set_param(err, GDIR_EINVAL, "place_id", "place_id : un identifiant de lieu "
                                  "de l'annuaire est attendu.");
    if (it->organiser_place && (!it->organiser_place[0] || strlen(it->organiser_place) >
                                LIFE_ID_MAX))
        return gdir_err_set_param(err, GDIR_EINVAL, "organiser.place_id", "organiser.place_id "
                                  ": un identifiant de lieu de l'annuaire est attendu.");
    if (it->has_point && !gdir_lonlat_valid(it->lat, it->lon))
        return gdir_err_set_param(err, GDIR_EINVAL, "lat", "lat, lon : une position WGS84.");
    return GDIR_OK;
}

/* The communes: INSEE codes, sorted, distinct; or the whole territory. */
static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int communes(struct life_item *it, struct gdir_err *err)
{
    size_t n = 0;

    if (it->n_communes > LIFE_COMMUNES_MAX)
        return gdir_err_set_param(err, GDIR_ETOOBIG, "communes", "communes : %d au plus.",
                                  LIFE_COMMUNES_MAX);
    for (size_t i = 0; i < it->n_communes; i++) {
        const char *c = it->communes[i];
        if (strlen(c) != 5 || !isdigit((unsigned char)c[0]) ||
            strspn(c, "0123456789AB") != 5)
            return gdir_err_set_param(err, GDIR_EINVAL, "communes", "communes : des codes INSEE "
                                      "de cinq caractères sont attendus.");
    }
    if (it->n_communes)
        qsort(it->communes, it->n_communes, sizeof *it->communes, cmp_str);
    for (size_t i = 0; i < it->n_communes; i++) {
        if (n && !strcmp(it->communes[n - 1], it->communes[i]))
            free(it->communes[i]);
        else
            it->communes[n++] = it->communes[i];
    }
    it->n_communes = n;
    if (it->territory && n)
        return gdir_err_set_param(err, GDIR_EINVAL, "communes", "communes : vide pour un "
                                  "contenu de tout le territoire (territory).");
    if (!it->territory && !n)
        return gdir_err_set_param(err, GDIR_EINVAL, "communes", "communes : au moins une "
                                  "commune, ou territory pour tout le territoire.");
    return GDIR_OK;
}

/* Minutes of wall-clock time from a to b (local), for the duration of an event. */
static long long local_minutes(const struct life_local *l)
{
    long long days = gdir_days_from_civil(l->year, l->month, l->day);
    return days * 1440 + l->hour * 60 + l->minute;
}

struct span {
    long long first_start, first_end, last_end;
    size_t n;
};

static int span_fn(const struct life_occurrence *o, void *arg)
{
    struct span *s = arg;
    if (!s->n++) {
        s->first_start = (long long)o->start;
        s->first_end = (long long)o->end;
    }
    s->last_end = (long long)o->end;
    return 0;
}

/* exdates: local times "YYYY-MM-DD[THH:MM]" separated by spaces, into ex[] (*n). */
static int exdates(const char *s, struct life_local *ex, size_t *n, struct gdir_err *err)
{
    char one[LIFE_LOCAL_LEN + 8];
    int all_day;

    *n = 0;
    while (s && *s) {
        size_t len = strcspn(s, " ");
        if (len && (len >= sizeof one || *n == LIFE_EXDATES_MAX))
            return gdir_err_set_param(err, GDIR_EINVAL, "exdates", "exdates : au plus %d dates "
                                      "AAAA-MM-JJ ou AAAA-MM-JJTHH:MM.", LIFE_EXDATES_MAX);
        if (len) {
            memcpy(one, s, len);
            one[len] = '\0';
            if (life_local_parse(one, "exdates", &ex[*n], &all_day, err))
                return GDIR_EINVAL;
            (*n)++;
        }
        s += len + (s[len] == ' ');
    }
    return GDIR_OK;
}

/* An event's times: start, end (default one hour, or the day), the canonical RRULE, exdates,
 * and the UTC span of its first and last occurrences. */
static int event_times(struct life_item *it, struct gdir_err *err)
{
    struct life_local start, end, ex[LIFE_EXDATES_MAX];
    struct life_rrule *r = NULL;
    struct span sp = {0};
    char canon[LIFE_RRULE_MAX + 1];
    size_t n_ex = 0;
    int all_day = 0, end_all_day = 0, rc;
    long long dur;

    if (!it->start[0])
        return gdir_err_set_param(err, GDIR_EINVAL, "start", "start : obligatoire (AAAA-MM-JJ "
                                  "ou AAAA-MM-JJTHH:MM, heure de Paris).");
    if ((rc = life_local_parse(it->start, "start", &start, &all_day, err)))
        return rc;
    end = start;
    if (it->end[0] && (rc = life_local_parse(it->end, "end", &end, &end_all_day, err)))
        return rc;
    if (it->end[0] && end_all_day != all_day)
        return gdir_err_set_param(err, GDIR_EINVAL, "end", "end : de la même forme que start "
                                  "(deux dates, ou deux dates et heures).");
    dur = local_minutes(&end) - local_minutes(&start) + (all_day ? 1440 : 0);
    if (!it->end[0] && !all_day)
        dur = 60;
    if (dur <= 0 || dur > 366LL * 1440)
        return gdir_err_set_param(err, GDIR_EINVAL, "end", "end : après start, et moins d'un "
                                  "an plus tard.");
    it->all_day = all_day;
    if (it->rrule && !it->rrule[0]) {
        free(it->rrule);
        it->rrule = NULL;
    }
    if (it->rrule) {
        if ((rc = life_rrule_parse(it->rrule, &r, err)))
            goto out;
        if ((rc = life_rrule_format(r, canon, sizeof canon))) {
            rc = gdir_err_set_param(err, GDIR_EINVAL, "rrule", "rrule : trop longue.");
            goto out;
        }
        free(it->rrule);
        if (!(it->rrule = gdir_strdup(canon))) {
            rc = gdir_err_set(err, GDIR_ENOMEM, "out of memory");
            goto out;
        }
    }
    if ((rc = exdates(it->exdates, ex, &n_ex, err)))
        goto out;
    rc = life_rrule_expand(r, &start, (int)dur, ex, n_ex, 0, (time_t)4102444800LL, span_fn, &sp);
    if (rc || !sp.n) {
        rc = gdir_err_set_param(err, GDIR_EINVAL, r ? "rrule" : "start",
                                "%s : l'événement n'a aucune date.", r ? "rrule" : "start");
        goto out;
    }
    it->start_utc = sp.first_start;
    it->end_utc = sp.first_end;
    it->last_utc = r && sp.n >= LIFE_RRULE_OCCURRENCES ? 0 : sp.last_end;
out:
    life_rrule_free(r);
    return rc;
}

/* What each kind has of its own: an event's category and times, an alert's severity and
 * validity; what another kind would not use is refused or cleared. */
static int kind_fields(struct life_item *it, struct gdir_err *err)
{
    if (it->kind == LIFE_EVENT) {
        if (!it->category || !life_category_label(it->category))
            return gdir_err_set_param(err, GDIR_EINVAL, "category", "category : fete, marche, "
                                      "sport, culture, reunion, permanence, nature, solidarite "
                                      "ou autre.");
        return event_times(it, err);
    }
    if (it->start[0] || it->end[0] || it->rrule || it->exdates)
        return gdir_err_set_param(err, GDIR_EINVAL, it->start[0] ? "start" : "rrule",
                                  "start, end, rrule : pour les événements seulement.");
    free(it->category);
    it->category = NULL;
    if (it->kind == LIFE_NEWS) {
        free(it->severity);
        it->severity = NULL;
        it->valid_from = it->valid_until = 0;
        return GDIR_OK;
    }
    if (!it->severity && !(it->severity = gdir_strdup("info")))
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    if (strcmp(it->severity, "info") && strcmp(it->severity, "warning") &&
        strcmp(it->severity, "critical"))
        return gdir_err_set_param(err, GDIR_EINVAL, "severity", "severity : info, warning ou "
                                  "critical.");
    if (!it->valid_until)
        return gdir_err_set_param(err, GDIR_EINVAL, "valid_until", "valid_until : une alerte "
                                  "a une fin (AAAA-MM-JJTHH:MM, heure de Paris).");
    if (it->valid_from && it->valid_until <= it->valid_from)
        return gdir_err_set_param(err, GDIR_EINVAL, "valid_until", "valid_until : après "
                                  "valid_from.");
    return GDIR_OK;
}

int life_item_duration(const struct life_item *it, struct life_local *start, int *minutes)
{
    struct life_local end;
    struct gdir_err err;
    int all_day = 0, end_all_day = 0;

    if (life_local_parse(it->start, "start", start, &all_day, &err))
        return GDIR_EINVAL;
    *minutes = all_day ? 1440 : 60;
    if (it->end[0] && !life_local_parse(it->end, "end", &end, &end_all_day, &err) &&
        end_all_day == all_day)
        *minutes = (int)(local_minutes(&end) - local_minutes(start)) + (all_day ? 1440 : 0);
    if (*minutes <= 0)
        *minutes = all_day ? 1440 : 60;
    return GDIR_OK;
}

int life_item_prepare(struct life_item *it, struct gdir_err *err)
{
    int rc;

    gdir_err_clear(err);
    if ((rc = line(&it->title, LIFE_TITLE_MAX, "title", 1, err)) ||
        (rc = text(it, it->kind != LIFE_EVENT, err)) || (rc = details(it, err)) ||
        (rc = communes(it, err)) || (rc = kind_fields(it, err)))
        return rc;
    return GDIR_OK;
}
