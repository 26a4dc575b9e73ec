/*
 * imp_reject.c — the reason table and the setter of struct imp_reject (see imp_reject.h).
 */
#include "imp_reject.h"

#include <stdarg.h>
#include <stdio.h>

static const char *const reason_codes[IMP_R__COUNT] = {
#define IMP_REASON_CODE(e, code) code,
    IMP_REASONS(IMP_REASON_CODE)
#undef IMP_REASON_CODE
};

const char *imp_reason_code(enum imp_reason reason)
{
    return (unsigned)reason < IMP_R__COUNT ? reason_codes[reason] : "unknown";
}

void imp_reject_set(struct imp_reject *r, enum imp_reason reason, const char *field,
                    const char *value, const char *fmt, ...)
{
    va_list ap;
    r->reason = reason;
    snprintf(r->field, sizeof r->field, "%s", field ? field : "");
    r->value = value;
    va_start(ap, fmt);
    vsnprintf(r->msg, sizeof r->msg, fmt, ap);
    va_end(ap);
}
