/*
 * api_ratelimit.c — fixed-window counters per client address in an open-addressing table of
 * RL_SLOTS entries, RL_PROBES probes per address. See api_ratelimit.h.
 */
#include "api_ratelimit.h"
#include "gdir_hash.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define RL_SLOTS 8192u    /* a power of two */
#define RL_PROBES 8u

struct rl_slot {
    unsigned char ip[16];
    time_t start;         /* the window's first second; 0: free */
    unsigned count;
};

struct api_ratelimit {
    pthread_mutex_t mu;
    unsigned limit, window;
    struct rl_slot slots[RL_SLOTS];
};

int api_rl_create(struct api_ratelimit **out, unsigned limit, unsigned window)
{
    struct api_ratelimit *rl = calloc(1, sizeof *rl);
    *out = NULL;
    if (!rl)
        return GDIR_ENOMEM;
    pthread_mutex_init(&rl->mu, NULL);
    rl->limit = limit;
    rl->window = window;
    *out = rl;
    return GDIR_OK;
}

void api_rl_free(struct api_ratelimit *rl)
{
    if (!rl)
        return;
    pthread_mutex_destroy(&rl->mu);
    free(rl);
}

/* The slot of ip (its window reset when over), taken when absent; never NULL. Under mu. */
static struct rl_slot *find_slot(struct api_ratelimit *rl, const unsigned char *ip, time_t now)
{
    size_t h = (size_t)gdir_fnv64(GDIR_FNV64_INIT, ip, 16);
    struct rl_slot *victim = NULL;
    int victim_free = 0;

    /* The address's slot; else a free or expired one; else the one of the oldest window. */
    for (unsigned i = 0; i < RL_PROBES; i++) {
        struct rl_slot *s = &rl->slots[(h + i) & (RL_SLOTS - 1)];
        int expired = s->start == 0 || now >= s->start + (time_t)rl->window;
        if (s->start && memcmp(s->ip, ip, 16) == 0) {
            if (expired) {
                s->start = now;
                s->count = 0;
            }
            return s;
        }
        if (expired && !victim_free) {
            victim = s;
            victim_free = 1;
        } else if (!victim_free && (!victim || s->start < victim->start)) {
            victim = s;
        }
    }
    memcpy(victim->ip, ip, 16);
    victim->start = now;
    victim->count = 0;
    return victim;
}

static unsigned wait_of(const struct api_ratelimit *rl, const struct rl_slot *s, time_t now)
{
    time_t left = s->start + (time_t)rl->window - now;
    return left > 0 ? (unsigned)left : 1;
}

/* The wait of ip when it is at the limit, else 0 (and one event counted when count). */
static unsigned check(struct api_ratelimit *rl, const unsigned char *ip, time_t now, int count)
{
    unsigned wait = 0;
    struct rl_slot *s;

    pthread_mutex_lock(&rl->mu);
    s = find_slot(rl, ip, now);
    if (s->count >= rl->limit)
        wait = wait_of(rl, s, now);
    else if (count)
        s->count++;
    pthread_mutex_unlock(&rl->mu);
    return wait;
}

unsigned api_rl_hit(struct api_ratelimit *rl, const unsigned char *ip, time_t now)
{
    return check(rl, ip, now, 1);
}

unsigned api_rl_blocked(struct api_ratelimit *rl, const unsigned char *ip, time_t now)
{
    return check(rl, ip, now, 0);
}
