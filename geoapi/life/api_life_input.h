/*
 * api_life_input.h — an item from the back office's JSON body, completed from the directory
 * and checked, and the scope rule of the daily-life items (see api_life_input.c).
 */
#ifndef API_LIFE_INPUT_H
#define API_LIFE_INPUT_H

#include "bo.h"
#include "life_db.h"

struct cJSON;
struct api_db;

/* The members of body (a JSON object) into it, over what it holds (an update starts from the
 * stored item). Members: kind, title, text, start, end, rrule, exdates [], place_id, address,
 * lat, lon, communes [], territory, organiser {name, place_id}, category, price, free,
 * accessibility, url, contact {email, phone}, severity, valid_from, valid_until, source.
 * GDIR_EINVAL naming the member. */
int api_life_parse(const struct cJSON *body, struct life_item *it, struct gdir_err *err);

/* 1 when agent a may write it: administrators all; a commune agent an item whose communes
 * are all theirs (never a territory-wide one); service agents none. */
int api_life_can(const struct bo_agent *a, const struct life_item *it);

/* life_item_prepare, then the directory: member communes, the place's name, address and point,
 * the organiser's place, the address geocoded when there is no point, the publisher (the
 * territory's name for administrators and territory-wide items, else « Commune de X »); then
 * the scope (GDIR_EFORBIDDEN). */
int api_life_complete(struct api_db *dir, const struct bo_agent *a, struct life_item *it,
                      struct gdir_err *err);

#endif
