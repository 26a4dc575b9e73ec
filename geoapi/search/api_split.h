/*
 * api_split.h — a search text that names a commune: « médecin vaubecourt », « pharmacie
 * revigny », « école de seuil d'argonne ». When the trailing (else the leading) words of q are
 * exactly the words of a member commune's name (both parsed by api_text_query_parse: folded,
 * elisions dropped, hyphens and apostrophes splitting words; a bare « d » or « l » in q, an
 * elision typed without its apostrophe, is skipped) and other words remain, the split
 * gives those remaining words (without the link words « de », « à », « au », « du », « en »,
 * « sur », « près », « vers » just before a trailing commune) and that commune. The search (h_places.c) runs it when the full
 * text matches no place. Pure: reads db->communes (cached per database generation), no I/O.
 */
#ifndef API_SPLIT_H
#define API_SPLIT_H

#include "api_queries.h"
#include "api_text.h"

/* When q splits into words + commune (see above), fills rest with the remaining words
 * (last_prefix kept only when they end q) and returns the commune's index in db->communes;
 * else -1. The longest commune name wins, trailing before leading, then the first commune in
 * INSEE order: the split is deterministic. */
long api_split_commune(const struct api_db *db, const struct api_text_query *q,
                       struct api_text_query *rest);

#endif
