/*
 * api_ratelimit.h — per-address counters in fixed windows, for the online procedures: so many
 * submissions per minute from one address, so many wrong tracking codes or tokens per ten
 * minutes (docs/forms.md §2). A table of bounded size (an address seen when it is full takes
 * the slot whose window is oldest): memory does not grow with the number of clients.
 * Thread-safe (one mutex; the work under it is a few probes).
 */
#ifndef API_RATELIMIT_H
#define API_RATELIMIT_H

#include <time.h>

#include "gdir_err.h"

struct api_ratelimit;

/* limit events per window seconds from one address. Returns 0 or GDIR_ENOMEM. */
int api_rl_create(struct api_ratelimit **out, unsigned limit, unsigned window);
void api_rl_free(struct api_ratelimit *rl);

/* Counts one event of ip (16 bytes) at now. Returns 0 when it is within the limit, else the
 * seconds until the address's window ends (the event is then not counted). */
unsigned api_rl_hit(struct api_ratelimit *rl, const unsigned char *ip, time_t now);

/* The seconds until the window of ip ends when ip has reached the limit, else 0 (counts
 * nothing). */
unsigned api_rl_blocked(struct api_ratelimit *rl, const unsigned char *ip, time_t now);

#endif
