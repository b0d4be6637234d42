/* fuzz_report.c: the fleet report's scan parser (bg_report_add) and both
 * printers on hostile bytes: the data as one host's scan, twice (a second
 * scan of the same host, whose both scans the finish refuses; or, empty,
 * another host), its first half as a third file (mostly refused: what it took
 * must be given back), then totals, the warnings, JSON and HTML.  A refusal
 * must say why. */
#include <stdlib.h>

#include "fuzz.h"
#include "report.h"

int fuzz_one(const uint8_t *data, size_t size)
{
	struct bg_report *r = bg_report_new();
	char err[1024];
	FILE *out;
	int rc;

	if (!r)
		return 0;
	err[0] = '\0';
	rc = bg_report_add(r, "fuzz.json", (const char *)data, size, err, sizeof(err));
	if (rc != 0 && !err[0])
		abort();
	if (rc == 0) {
		err[0] = '\0';
		rc = bg_report_add(r, "again.json", (const char *)data, size, err, sizeof(err));
		if (rc != 0 && !err[0])
			abort();
		err[0] = '\0';
		rc = bg_report_add(r, "half.json", (const char *)data, size / 2, err, sizeof(err));
		if (rc != 0 && !err[0])
			abort();
	}
	(void)bg_report_finish(r); /* printed even when short: must stay safe */
	out = fopen("/dev/null", "w");
	if (out) {
		bg_report_warn(r, out);
		bg_report_json(r, out);
		bg_report_html(r, out);
		fclose(out);
	}
	bg_report_free(r);
	return 0;
}
