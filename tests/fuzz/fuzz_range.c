/*
 * fuzz_range.c — libFuzzer target: the Range and If-Range parsers of geoapi (api_http.c).
 *
 * Feeds the input, as a header value, to api_range_parse() for a few sizes (0, 1, 100, a large
 * one, UINT64_MAX) and to api_if_range_ok() against a fixed entity tag and date.
 * Asserts beyond "no crash": the verdict is one of the three; a satisfiable range lies inside
 * the representation (first <= last < size); a size of 0 never gives a range; the same value
 * parsed twice gives the same answer; If-Range gives 0 or 1, 1 for an absent header, and 1 for
 * a value only when it is exactly the tag or the date.
 */
#include "fuzz_util.h"

#include "api_http.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint64_t sizes[] = {0, 1, 100, 1234567890123ull, UINT64_MAX};
    static const char tag[] = "\"0123abcd\"", date[] = "Tue, 08 Dec 2026 00:10:00 GMT";
    char *value = fuzz_str(data, size);

    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        uint64_t first, last, first2, last2;
        enum api_range r = api_range_parse(value, sizes[i], &first, &last);
        FUZZ_CHECK(r == API_RANGE_NONE || r == API_RANGE_ONE || r == API_RANGE_UNSATISFIABLE);
        if (r == API_RANGE_ONE)
            FUZZ_CHECK(first <= last && last < sizes[i]);
        if (sizes[i] == 0)
            FUZZ_CHECK(r == API_RANGE_NONE);
        FUZZ_CHECK(api_range_parse(value, sizes[i], &first2, &last2) == r);
        FUZZ_CHECK(r != API_RANGE_ONE || (first2 == first && last2 == last));
    }
    int ok = api_if_range_ok(value, tag, date);
    FUZZ_CHECK(ok == 0 || ok == 1);
    FUZZ_CHECK(api_if_range_ok(NULL, tag, date) == 1);
    if (ok) {
        size_t b = strspn(value, " \t"), n = strlen(value + b);
        while (n > 0 && (value[b + n - 1] == ' ' || value[b + n - 1] == '\t'))
            n--;
        FUZZ_CHECK((n == strlen(tag) && memcmp(value + b, tag, n) == 0) ||
                   (n == strlen(date) && memcmp(value + b, date, n) == 0));
    }
    free(value);
    return 0;
}
