/* report.h: the fleet report: many hosts' `scan --json` merged into totals,
 * the accounts still pending and rotation progress, as JSON or as one
 * self-contained HTML page. */
#ifndef BG_REPORT_H
#define BG_REPORT_H

#include <stddef.h>
#include <stdio.h>

#define BG_REPORT_FILE_MAX (256u << 20) /* one scan file */

struct bg_report;

struct bg_report *bg_report_new(void);
void bg_report_free(struct bg_report *r);
/* Parses one host's scan output (buf, len bytes; name for messages) strictly
 * and adds it.  0, or a negative errno with err = "NAME:LINE:COL: cause". */
int bg_report_add(struct bg_report *r, const char *name, const char *buf, size_t len, char *err,
		  size_t errlen);
/* Sorts and totals; call once after the last add.  0, or -ENOMEM when a
 * table could not be made (the report is then short of it: print none). */
int bg_report_finish(struct bg_report *r);
/* One line for each advisory name seen with more than one date (they are
 * counted apart): "breachguard: report: advisory ...". */
void bg_report_warn(const struct bg_report *r, FILE *f);
void bg_report_json(const struct bg_report *r, FILE *f);
void bg_report_html(const struct bg_report *r, FILE *f);

#endif
