/* placeholder */
#include "forms_test.h"
static void t(void) {}
static const struct check_case cases[] = { { "t", t } };
CHECK_MAIN(cases)
