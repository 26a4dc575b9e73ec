/*
 * api_upload.c — request bodies received into memory under a per-body cap and a server-wide
 * budget. See api_upload.h.
 */
#include "api_upload.h"

#include <pthread.h>
#include <string.h>

static pthread_mutex_t budget_mu = PTHREAD_MUTEX_INITIALIZER;
static size_t budget_used;   /* bytes reserved by all uploads in progress */

/* Reserves n more bytes for u. Returns 0 or GDIR_EUNAVAIL. */
static int reserve(struct api_upload *u, size_t n, size_t budget, struct gdir_err *err)
{
    int ok;
    pthread_mutex_lock(&budget_mu);
    ok = budget_used <= budget && n <= budget - budget_used;
    if (ok) {
        budget_used += n;
        u->reserved += n;
    }
    pthread_mutex_unlock(&budget_mu);
    if (!ok)
        return gdir_err_set(err, GDIR_EUNAVAIL,
                            "too many uploads in progress, try again in a moment");
    return GDIR_OK;
}

int api_upload_begin(struct api_upload *u, long long announced, size_t max, size_t budget,
                     struct gdir_err *err)
{
    memset(u, 0, sizeof *u);
    gdir_buf_init(&u->body, max);
    u->max = max;
    u->active = 1;
    if (announced > 0 && (unsigned long long)announced > max)
        return gdir_err_set_param(err, GDIR_ETOOBIG, "data",
                                  "data: the upload has %lld bytes, the limit is %zu", announced,
                                  max);
    if (announced <= 0)
        return GDIR_OK;
    int rc = reserve(u, (size_t)announced, budget, err);
    if (!rc && gdir_buf_reserve(&u->body, (size_t)announced))
        rc = gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    if (!rc)
        u->announced = (size_t)announced;
    return rc;
}

char *api_upload_tail(struct api_upload *u, size_t *room)
{
    *room = 0;
    if (!u->active || !u->announced || u->body.len >= u->announced ||
        u->body.cap < u->announced + 1)
        return NULL;
    *room = u->announced - u->body.len;
    return u->body.data + u->body.len;
}

void api_upload_received(struct api_upload *u, size_t n)
{
    u->body.len += n;
    u->body.data[u->body.len] = '\0';
}

int api_upload_add(struct api_upload *u, const void *data, size_t n, size_t budget,
                   struct gdir_err *err)
{
    int rc;
    if (!u->active)
        return gdir_err_set(err, GDIR_EINTERNAL, "upload not in progress");
    if (u->body.len + n > u->max) {
        rc = gdir_err_set_param(err, GDIR_ETOOBIG, "data", "data: the upload exceeds %zu bytes",
                                u->max);
        goto fail;
    }
    if (u->body.len + n > u->reserved && (rc = reserve(u, u->body.len + n - u->reserved,
                                                       budget, err)))
        goto fail;
    if (gdir_buf_add(&u->body, data, n)) {
        rc = gdir_err_set(err, GDIR_ENOMEM, "out of memory");
        goto fail;
    }
    return GDIR_OK;
fail:
    api_upload_end(u);
    return rc;
}

void api_upload_end(struct api_upload *u)
{
    if (!u || !u->active)
        return;
    gdir_buf_free(&u->body);
    pthread_mutex_lock(&budget_mu);
    budget_used -= u->reserved;
    pthread_mutex_unlock(&budget_mu);
    u->reserved = 0;
    u->active = 0;
}

size_t api_upload_in_use(void)
{
    size_t n;
    pthread_mutex_lock(&budget_mu);
    n = budget_used;
    pthread_mutex_unlock(&budget_mu);
    return n;
}
