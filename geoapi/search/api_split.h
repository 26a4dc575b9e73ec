/*
 * api_split.h — a search text that names a commune: « médecin vaubecourt », « pharmacie
 * revigny », « école de seuil d'argonne ». When the trailing (else the leading) words of q are
 * exactly the words of a member commune's name (both parsed by api_text_query_parse: folded,
 * elisions dropped, hyphens and apostrophes splitting words; a bare « d » or « l » in q, an
 * elision typed without its apostrophe, is skipped) and other words remain, the split
 * gives those remaining words (without the link words « de », « à », « au », « du », « en »,
 * « sur », « près », « vers » just before a trailing commune) and that commune. The search (h_places.c) runs it when the full
 * text matches no place (api_split_search), and says so (api_split_write). api_split_commune
 * is pure: it reads db->communes (cached per database generation), no I/O.
 */
#ifndef API_SPLIT_H
#define API_SPLIT_H

#include "api_queries.h"
#include "api_search.h"
#include "api_text.h"
#include "gdir_json.h"

/* When q splits into words + commune (see above), fills rest with the remaining words
 * (last_prefix kept only when they end q) and returns the commune's index in db->communes;
 * else -1. The longest commune name wins, trailing before leading, then the first commune in
 * INSEE order: the split is deterministic. */
long api_split_commune(const struct api_db *db, const struct api_text_query *q,
                       struct api_text_query *rest);

/* After api_search_run(db, cal, p, r): when r matched no place, p has a text and no commune,
 * and that text splits (api_split_commune into rest), runs the search again for rest within
 * that commune (p->text then points to rest, p->communes to the commune), r holding it, and
 * sets *split to the commune's index; else leaves r and p as they are, *split = -1. Returns 0
 * or api_search_run's error. */
int api_split_search(struct api_db *db, const struct gdir_calendar *cal,
                     struct api_search_params *p, struct api_search_result *r,
                     struct api_text_query *rest, long *split, struct gdir_err *err);

/* Writes `"understood": {"q": rest's words, "commune": INSEE, "commune_name": name}` (a
 * member of the object being written) for the commune at index split. */
void api_split_write(struct gdir_json *j, const struct api_db *db,
                     const struct api_text_query *rest, long split);

#endif
