/*
 * forms_sniff.c — the type of an attachment from its first bytes (docs/forms.md §1.3): PDF
 * ("%PDF-"), JPEG (FF D8 FF), PNG (the 8-byte signature). The name a browser sends is never
 * looked at: a renamed executable is nothing, a PDF named .png is a PDF.
 */
#include "gdir_forms.h"

#include <string.h>

const char *forms_sniff(const unsigned char *data, size_t len)
{
    static const unsigned char png[8] = { 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A };
    static const unsigned char jpeg[3] = { 0xFF, 0xD8, 0xFF };

    if (!data)
        return NULL;
    if (len >= 5 && memcmp(data, "%PDF-", 5) == 0)
        return "pdf";
    if (len >= sizeof jpeg && memcmp(data, jpeg, sizeof jpeg) == 0)
        return "jpeg";
    if (len >= sizeof png && memcmp(data, png, sizeof png) == 0)
        return "png";
    return NULL;
}
