/*
 * forms_values.c — the check of one submitted value against its field (docs/forms.md §1.1):
 * text and textarea (UTF-8, lengths in characters, pattern), e-mail, French phone numbers
 * (normalised "0X XX XX XX XX"), dates and their bounds, integers, choices, yes/no,
 * checkboxes, addresses (in the form's communes) and places (through the caller's callback).
 * Each error is a French sentence that says how to correct it (RGAA 11.11).
 */
#include "forms_internal.h"

#include "gdir_parse.h"
#include "gdir_text.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MSG_TEXT "Saisissez du texte."
#define MSG_EMAIL "Saisissez une adresse électronique valide, par exemple prenom.nom@exemple.fr."
#define MSG_PHONE "Saisissez un numéro de téléphone français à 10 chiffres, par exemple " \
                  "03 29 70 12 34."
#define MSG_DATE "Saisissez une date valide au format AAAA-MM-JJ, par exemple 2019-04-23."
#define MSG_CHOICE "Choisissez l'une des options proposées."
#define MSG_ADDRESS "Choisissez une adresse dans la liste des suggestions."

static int is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

int forms_value_empty(const cJSON *v)
{
    if (!v || cJSON_IsNull(v))
        return 1;
    if (cJSON_IsArray(v))
        return cJSON_GetArraySize(v) == 0;
    if (!cJSON_IsString(v))
        return 0;
    for (const char *s = v->valuestring; *s; s++)
        if (!is_space(*s))
            return 0;
    return 1;
}

static int oom(struct forms_fv *c)
{
    return gdir_err_set(c->err, GDIR_ENOMEM, "out of memory");
}

/* A new string node of s[0..n); NULL when out of memory. */
static cJSON *str_node(const char *s, size_t n)
{
    char *copy = malloc(n + 1);
    cJSON *node;
    if (!copy)
        return NULL;
    memcpy(copy, s, n);
    copy[n] = '\0';
    node = cJSON_CreateString(copy);
    free(copy);
    return node;
}

static int text_ok(struct forms_fv *c, const struct forms_field *d, const cJSON *v,
                   const char *path, cJSON **norm)
{
    const char *s = v->valuestring, *end, *p;
    size_t chars = 0;

    while (is_space(*s))
        s++;
    end = s + strlen(s);
    while (end > s && is_space(end[-1]))
        end--;
    if (!gdir_utf8_valid(s, (size_t)(end - s)))
        return forms_fv_error(c, path, "Le texte contient des caractères illisibles : "
                              "retapez-le.");
    for (p = s; p < end; p++) {
        unsigned char ch = (unsigned char)*p;
        if ((ch < 0x20 && !(d->type == FT_TEXTAREA && is_space(*p))) || ch == 0x7f)
            return forms_fv_error(c, path, "Le texte contient des caractères de contrôle : "
                                  "retapez-le%s.", d->type == FT_TEXT ? " sur une ligne" : "");
        chars += (ch & 0xC0) != 0x80;
    }
    if ((long)chars < d->min_length)
        return forms_fv_error(c, path, "Saisissez au moins %ld caractères (%zu actuellement).",
                              d->min_length, chars);
    if ((long)chars > d->max_length)
        return forms_fv_error(c, path, "Saisissez au plus %ld caractères (%zu actuellement).",
                              d->max_length, chars);
    if (!(*norm = str_node(s, (size_t)(end - s))))
        return oom(c);
    if (d->has_re && regexec(&d->re, (*norm)->valuestring, 0, NULL, 0) != 0) {
        cJSON_Delete(*norm);
        *norm = NULL;
        return forms_fv_error(c, path, "%s", d->pattern_message);
    }
    return GDIR_OK;
}

static int email_ok(struct forms_fv *c, const cJSON *v, const char *path, cJSON **norm)
{
    const char *s = v->valuestring, *at, *end, *dom;
    while (is_space(*s))
        s++;
    end = s + strlen(s);
    while (end > s && is_space(end[-1]))
        end--;
    at = memchr(s, '@', (size_t)(end - s));
    if (!at || at == s || at - s > 64 || end - s > 254 || memchr(at + 1, '@', (size_t)(end - at - 1)))
        return forms_fv_error(c, path, MSG_EMAIL);
    dom = at + 1;
    if (end - dom < 3 || !memchr(dom, '.', (size_t)(end - dom)) || *dom == '.' ||
        end[-1] == '.' || !gdir_utf8_valid(s, (size_t)(end - s)))
        return forms_fv_error(c, path, MSG_EMAIL);
    for (const char *p = s; p < end; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch <= 0x20 || ch == 0x7f || strchr("()<>,;:\\\"[]", ch) || (p > dom && *p == '.' &&
                                                                       p[-1] == '.'))
            return forms_fv_error(c, path, MSG_EMAIL);
    }
    *norm = str_node(s, (size_t)(end - s));
    return *norm ? GDIR_OK : oom(c);
}

static int phone_ok(struct forms_fv *c, const cJSON *v, const char *path, cJSON **norm)
{
    char dig[16], out[16];
    size_t n = 0;
    const char *s = v->valuestring;

    if (strncmp(s, "+33", 3) == 0 || strncmp(s, "0033", 4) == 0) {
        s += s[0] == '+' ? 3 : 4;
        dig[n++] = '0';
        while (is_space(*s) || *s == '.' || *s == '-')
            s++;
        if (*s == '(' && s[1] == '0' && s[2] == ')')   /* +33 (0)3 29 … */
            s += 3;
    }
    for (; *s; s++) {
        if (*s >= '0' && *s <= '9' && n < 11)
            dig[n++] = *s;
        else if (!is_space(*s) && *s != '.' && *s != '-')
            return forms_fv_error(c, path, MSG_PHONE);
    }
    if (n != 10 || dig[0] != '0' || dig[1] == '0')
        return forms_fv_error(c, path, MSG_PHONE);
    snprintf(out, sizeof out, "%.2s %.2s %.2s %.2s %.2s", dig, dig + 2, dig + 4, dig + 6,
             dig + 8);
    *norm = cJSON_CreateString(out);
    return *norm ? GDIR_OK : oom(c);
}

static int date_ok(struct forms_fv *c, const struct forms_field *d, const cJSON *v,
                   const char *path, cJSON **norm)
{
    int y, m, dd, y0 = 0, m0 = 0, d0 = 0, y1 = 0, m1 = 0, d1 = 0;
    long day;

    if (!forms_date_parse(v->valuestring, &y, &m, &dd))
        return forms_fv_error(c, path, MSG_DATE);
    day = forms_days(y, m, dd);
    if (d->dmin.set)
        forms_bound_resolve(&d->dmin, c->ty, c->tm, c->td, &y0, &m0, &d0);
    if (d->dmax.set)
        forms_bound_resolve(&d->dmax, c->ty, c->tm, c->td, &y1, &m1, &d1);
    int low = d->dmin.set && day < forms_days(y0, m0, d0);
    int high = d->dmax.set && day > forms_days(y1, m1, d1);
    if ((low || high) && d->dmin.set && d->dmax.set)
        return forms_fv_error(c, path, "La date doit être comprise entre le %02d/%02d/%04d et "
                              "le %02d/%02d/%04d.", d0, m0, y0, d1, m1, y1);
    if (low)
        return forms_fv_error(c, path, "La date doit être le %02d/%02d/%04d ou une date "
                              "postérieure.", d0, m0, y0);
    if (high)
        return forms_fv_error(c, path, "La date doit être le %02d/%02d/%04d ou une date "
                              "antérieure.", d1, m1, y1);
    *norm = cJSON_CreateString(v->valuestring);
    return *norm ? GDIR_OK : oom(c);
}

static int integer_ok(struct forms_fv *c, const struct forms_field *d, const cJSON *v,
                      const char *path, cJSON **norm)
{
    long long n;
    long parsed;

    if (cJSON_IsNumber(v) && v->valuedouble == floor(v->valuedouble) &&
        fabs(v->valuedouble) <= 1e15)
        n = (long long)v->valuedouble;
    else if (cJSON_IsString(v) && gdir_parse_long(v->valuestring, -1000000000000000L,
                                                  1000000000000000L, &parsed) == 0)
        n = parsed;
    else
        return forms_fv_error(c, path, "Saisissez un nombre entier, sans virgule ni espace, "
                              "par exemple 3.");
    if ((d->has_imin && n < d->imin) || (d->has_imax && n > d->imax)) {
        if (d->has_imin && d->has_imax)
            return forms_fv_error(c, path, "Saisissez un nombre entier entre %lld et %lld.",
                                  d->imin, d->imax);
        if (d->has_imin)
            return forms_fv_error(c, path, "Saisissez un nombre entier supérieur ou égal à "
                                  "%lld.", d->imin);
        return forms_fv_error(c, path, "Saisissez un nombre entier inférieur ou égal à %lld.",
                              d->imax);
    }
    *norm = cJSON_CreateNumber((double)n);
    return *norm ? GDIR_OK : oom(c);
}

static long option_index(const struct forms_field *d, const cJSON *v)
{
    for (size_t i = 0; cJSON_IsString(v) && i < d->n_options; i++)
        if (strcmp(d->options[i].value, v->valuestring) == 0)
            return (long)i;
    return -1;
}

static int multichoice_ok(struct forms_fv *c, const struct forms_field *d, const cJSON *v,
                          const char *path, cJSON **norm)
{
    unsigned char seen[FORMS_MAX_ITEMS] = { 0 };
    const cJSON *it;
    long n = 0, min = d->min_items > 0 ? d->min_items : d->required;

    if (!cJSON_IsArray(v))
        return forms_fv_error(c, path, MSG_CHOICE);
    cJSON_ArrayForEach(it, v) {
        long k = option_index(d, it);
        if (k < 0 || k >= FORMS_MAX_ITEMS || seen[k])
            return forms_fv_error(c, path, k < 0 ? MSG_CHOICE : "Chaque option ne peut être "
                                  "choisie qu'une fois.");
        seen[k] = 1;
        n++;
    }
    if (n < min)
        return forms_fv_error(c, path, "Choisissez au moins %ld option%s.", min,
                              min > 1 ? "s" : "");
    if (n > d->max_items)
        return forms_fv_error(c, path, "Choisissez au plus %ld option%s.", d->max_items,
                              d->max_items > 1 ? "s" : "");
    if (!(*norm = cJSON_CreateArray()))
        return oom(c);
    for (size_t i = 0; i < d->n_options && i < FORMS_MAX_ITEMS; i++)   /* in the options' order */
        if (seen[i] && !cJSON_AddItemToArray(*norm, cJSON_CreateString(d->options[i].value)))
            return oom(c);
    return GDIR_OK;
}

/* An optional string member of an address, copied into out when present. */
static int addr_str(const cJSON *in, const char *key, int required, cJSON *out)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(in, key);
    if (!it || cJSON_IsNull(it))
        return required ? -1 : 0;
    if (!cJSON_IsString(it) || strlen(it->valuestring) > 300 ||
        !gdir_utf8_valid(it->valuestring, strlen(it->valuestring)) ||
        (required && forms_value_empty(it)))
        return -1;
    return cJSON_AddStringToObject(out, key, it->valuestring) ? 0 : GDIR_ENOMEM;
}

static int addr_num(const cJSON *in, const char *key, double lim, cJSON *out)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(in, key);
    if (!cJSON_IsNumber(it) || !(fabs(it->valuedouble) <= lim))
        return -1;
    return cJSON_AddNumberToObject(out, key, it->valuedouble) ? 0 : GDIR_ENOMEM;
}

static int address_ok(struct forms_fv *c, const struct forms_field *d, const cJSON *v,
                      const char *path, cJSON **norm)
{
    static const char *const keys[] = { "label", "housenumber", "street", "postcode", "citycode",
                                        "city", NULL };
    const cJSON *it, *code;
    int rc = 0;

    (void)d;
    if (!cJSON_IsObject(v))
        return forms_fv_error(c, path, MSG_ADDRESS);
    cJSON_ArrayForEach(it, v) {
        int known = strcmp(it->string, "lon") == 0 || strcmp(it->string, "lat") == 0;
        for (int i = 0; !known && keys[i]; i++)
            known = strcmp(it->string, keys[i]) == 0;
        if (!known)
            return forms_fv_error(c, path, MSG_ADDRESS);
    }
    if (!(*norm = cJSON_CreateObject()))
        return oom(c);
    for (int i = 0; !rc && keys[i]; i++)
        rc = addr_str(v, keys[i], i == 0 || i == 4, *norm);
    if (!rc)
        rc = addr_num(v, "lon", 180, *norm);
    if (!rc)
        rc = addr_num(v, "lat", 90, *norm);
    if (rc == GDIR_ENOMEM)
        return oom(c);
    code = cJSON_GetObjectItemCaseSensitive(v, "citycode");
    if (!rc && !forms_def_has_commune(c->f, code->valuestring))
        rc = 1;
    if (rc) {
        cJSON_Delete(*norm);
        *norm = NULL;
        return forms_fv_error(c, path, rc < 0 ? MSG_ADDRESS : "Cette adresse est hors des "
                              "communes où cette démarche est proposée : choisissez une adresse "
                              "dans l'une d'elles.");
    }
    return GDIR_OK;
}

static int place_ok(struct forms_fv *c, const struct forms_field *d, const cJSON *v,
                    const char *path, cJSON **norm)
{
    char insee[6] = "";
    int rc;

    if (!c->env || !c->env->place)
        return gdir_err_set(c->err, GDIR_EUNAVAIL, "%s: place fields need the directory "
                            "(no place callback)", path);
    if (!cJSON_IsString(v) || strlen(v->valuestring) > 200)
        return forms_fv_error(c, path, "Choisissez un lieu dans la liste proposée.");
    rc = c->env->place(c->env->place_arg, v->valuestring, d->category, insee);
    if (rc < 0)
        return gdir_err_set(c->err, rc, "%s: the directory cannot be read", path);
    if (rc == 0)
        return forms_fv_error(c, path, "Ce lieu n'existe pas ou ne convient pas : choisissez "
                              "un lieu dans la liste proposée.");
    if (c->f->handler == HANDLER_COMMUNE && strcmp(path, c->f->handler_field) == 0)
        memcpy(c->place_commune, insee, sizeof c->place_commune);
    *norm = cJSON_CreateString(v->valuestring);
    return *norm ? GDIR_OK : oom(c);
}

int forms_value_check(struct forms_fv *c, const struct forms_field *d, const cJSON *v,
                      const char *path, cJSON **norm)
{
    int string = cJSON_IsString(v);
    *norm = NULL;
    switch (d->type) {
    case FT_TEXT:
    case FT_TEXTAREA:
        return string ? text_ok(c, d, v, path, norm) : forms_fv_error(c, path, MSG_TEXT);
    case FT_EMAIL:
        return string ? email_ok(c, v, path, norm) : forms_fv_error(c, path, MSG_EMAIL);
    case FT_PHONE:
        return string ? phone_ok(c, v, path, norm) : forms_fv_error(c, path, MSG_PHONE);
    case FT_DATE:
        return string ? date_ok(c, d, v, path, norm) : forms_fv_error(c, path, MSG_DATE);
    case FT_INTEGER:
        return integer_ok(c, d, v, path, norm);
    case FT_CHOICE:
        if (option_index(d, v) < 0)
            return forms_fv_error(c, path, MSG_CHOICE);
        *norm = cJSON_CreateString(v->valuestring);
        return *norm ? GDIR_OK : oom(c);
    case FT_MULTICHOICE:
        return multichoice_ok(c, d, v, path, norm);
    case FT_YESNO:
    case FT_CHECKBOX:
        if (!cJSON_IsBool(v))
            return forms_fv_error(c, path, d->type == FT_YESNO ? "Répondez par oui ou par non."
                                  : "Cochez ou décochez cette case.");
        if (d->type == FT_CHECKBOX && d->required && !cJSON_IsTrue(v))
            return forms_fv_error(c, path, "Cochez cette case pour continuer.");
        *norm = cJSON_CreateBool(cJSON_IsTrue(v));
        return *norm ? GDIR_OK : oom(c);
    case FT_ADDRESS:
        return address_ok(c, d, v, path, norm);
    case FT_PLACE:
        return place_ok(c, d, v, path, norm);
    default:
        return gdir_err_set(c->err, GDIR_EINTERNAL, "%s: a %s field has no value", path,
                            forms_type_names[d->type]);
    }
}
