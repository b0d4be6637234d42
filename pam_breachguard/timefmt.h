/* timefmt.h: the one way dates and times are written (UTC), for the module's
 * messages and the tool's reports alike. */
#ifndef BG_TIMEFMT_H
#define BG_TIMEFMT_H

#include <stddef.h>

/* "YYYY-MM-DD" of t (seconds since the epoch, UTC); "" when t < 0 (no date). */
void bg_day(long long t, char *buf, size_t len);
/* "YYYY-MM-DDTHH:MM:SSZ" of t; "" when t <= 0 (never). */
void bg_iso_time(long long t, char *buf, size_t len);

#endif
