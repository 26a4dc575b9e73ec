/*
 * api_departements.h — the French départements (code, name, région since 2016), for the
 * `context` of BAN-style geocoding results: "55, Meuse, Grand Est".
 */
#ifndef API_DEPARTEMENTS_H
#define API_DEPARTEMENTS_H

#include <stddef.h>

/* The département of an INSEE commune code: its first two characters ("55", "2A"), or three
 * for overseas codes starting with 97 ("971"). Writes the context "55, Meuse, Grand Est" into
 * out (cap bytes, NUL-terminated); only the code when the département is unknown, "" when
 * insee is too short. Pure, thread-safe. */
void api_departement_context(const char *insee, char *out, size_t cap);

#endif
