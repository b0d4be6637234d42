/* timefmt.c: dates and times as the module and the tool write them (UTC). */
#include "timefmt.h"

#include <time.h>

void bg_day(long long t, char *buf, size_t len)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t < 0 || !gmtime_r(&tt, &tm) || strftime(buf, len, "%Y-%m-%d", &tm) == 0)
		buf[0] = '\0';
}

void bg_iso_time(long long t, char *buf, size_t len)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t <= 0 || !gmtime_r(&tt, &tm) || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		buf[0] = '\0';
}
