/*
 * gdir_date.h — calendar arithmetic in the proleptic Gregorian calendar: a date as the number
 * of days since 1970-01-01 and back (Howard Hinnant's algorithms, exact for every year an int
 * holds). The one copy used by the forms' date bounds, the RRULE expansion and the daily-life
 * checks.
 */
#ifndef GDIR_DATE_H
#define GDIR_DATE_H

/* Days from 1970-01-01 to y-m-d (m 1..12, d 1..31; negative before 1970). */
long gdir_days_from_civil(int y, int m, int d);
/* The date of day z counted from 1970-01-01. */
void gdir_civil_from_days(long z, int *y, int *m, int *d);

#endif
