/*
 * imp_source_reader.c — what every reader of imp_source_reader.h shares: the arena of one
 * record's values (imp_record_values_*), the mapping of a fixed list of fields and the
 * "unknown field" error. Apart from the front
 * (imp_source.c) so that a reader builds on its own (the fuzz targets link readers alone).
 *
 * What it does not do: read any format.
 */
#include "gdir_buf.h"
#include "imp_source_reader.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int imp_record_values_init(struct imp_record_values *rv, size_t n, size_t cap)
{
    gdir_buf_init(&rv->arena, cap);
    rv->offsets = calloc(n + 1, sizeof *rv->offsets);
    rv->values = calloc(n + 1, sizeof *rv->values);
    return rv->offsets && rv->values ? GDIR_OK : GDIR_ENOMEM;
}

void imp_record_values_free(struct imp_record_values *rv)
{
    gdir_buf_free(&rv->arena);
    free(rv->offsets);
    free(rv->values);
    rv->offsets = NULL;
    rv->values = NULL;
}

int imp_record_values_finish(struct imp_record_values *rv, size_t n, struct imp_feature *f,
                             const char *where)
{
    if (rv->arena.err) {
        f->has_line_problem = 1;
        imp_reject_set(&f->line_problem, IMP_R_TOO_LONG, where, NULL, "record too large");
        return 1;
    }
    for (size_t k = 0; k < n; k++)
        rv->values[k] = rv->offsets[k] == SIZE_MAX ? NULL : rv->arena.data + rv->offsets[k];
    return 1;
}

int imp_reader_unknown_field(const char *path, const struct imp_profile *p, const char *field,
                             const char *const *names, size_t n_names, struct gdir_err *err)
{
    struct gdir_buf list;
    int rc;
    gdir_buf_init(&list, 0);
    for (size_t i = 0; i < n_names; i++) {
        if (list.len > 400) {
            gdir_buf_adds(&list, ", ...");
            break;
        }
        if (i)
            gdir_buf_adds(&list, ", ");
        gdir_buf_adds(&list, names[i]);
    }
    rc = gdir_err_set_param(err, GDIR_ECONFIG, field,
                            "%s: mapping %s: unknown field '%s' (fields: %s)", path, p->name,
                            field, gdir_buf_str(&list));
    gdir_buf_free(&list);
    return rc;
}

int imp_reader_map_fields(const char *path, const struct imp_profile *p,
                          const char *const *fields, size_t n_fields, const char *const *names,
                          size_t n_names, int *col, struct gdir_err *err)
{
    for (size_t k = 0; k < n_fields; k++) {
        size_t i = 0;
        while (i < n_names && strcmp(fields[k], names[i]) != 0)
            i++;
        if (i == n_names)
            return imp_reader_unknown_field(path, p, fields[k], names, n_names, err);
        col[k] = (int)i;
    }
    return GDIR_OK;
}
