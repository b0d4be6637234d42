/* cli.h: what the admin tool's commands share. */
#ifndef BG_CLI_H
#define BG_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "config.h"
#include "log.h"
#include "timefmt.h" /* bg_day, bg_iso_time */

#define BG_EXIT_OK 0
#define BG_EXIT_FAIL 1
#define BG_EXIT_USAGE 2
/* report: printed and written, but a host's scans were left out (two scans of
 * one host, host_conflicts): its totals lack that host */
#define BG_EXIT_PARTIAL 3

struct bg_tool {
	struct bg_config cfg;
	struct bg_logger log; /* stderr */
	const char *conf_path;
	bool conf_explicit;
	unsigned conf_unknown;
};

int bg_cmd_init(struct bg_tool *t, int argc, char **argv);
int bg_cmd_import(struct bg_tool *t, int argc, char **argv);
int bg_cmd_advisories(struct bg_tool *t, int argc, char **argv);
int bg_cmd_forget(struct bg_tool *t, int argc, char **argv);
int bg_cmd_flag(struct bg_tool *t, int argc, char **argv);
int bg_cmd_status(struct bg_tool *t, int argc, char **argv);
int bg_cmd_scan(struct bg_tool *t, int argc, char **argv);
int bg_cmd_reset(struct bg_tool *t, int argc, char **argv);
int bg_cmd_stats(struct bg_tool *t, int argc, char **argv);
int bg_cmd_check(struct bg_tool *t, int argc, char **argv);

struct bg_txn;
struct bg_advisory;
/* An advisory named by id (all digits) or by name, as forget and export take
 * it: 0, -ENOENT, or a negative errno. */
int bg_advisory_by_ref(struct bg_txn *txn, const char *ref, struct bg_advisory *a);
/* What bg_advisory_by_ref's -ENOTUNIQ means. */
#define BG_REF_AMBIGUOUS                                                                           \
	"it is the id of one advisory and the name of another; give the id of the one you mean "   \
	"(see \"breachguard advisories\")"
/* A name of digits only would be read as an advisory id by forget and export. */
bool bg_name_all_digits(const char *name);
#define BG_NAME_DIGITS_WHY "a name of digits only reads as an advisory id; add a letter"
/* The fleet (cmd_fleet.c, report.c). */
int bg_cmd_keygen(struct bg_tool *t, int argc, char **argv);
int bg_cmd_export(struct bg_tool *t, int argc, char **argv);
int bg_cmd_report(struct bg_tool *t, int argc, char **argv);
/* Does the import's file start with the bundle magic?  1 with *fd open on it
 * (stdin: a copy of it past the magic; bg_bundle_import reads a file there
 * in place, else checks the header, then spools), 0 not (stdin's first bytes
 * pushed back), -1 failed (said). */
int bg_bundle_sniff(const char *path, int *fd);
/* import BUNDLE: verify, then apply in one transaction.  An exit code. */
int bg_bundle_import(struct bg_tool *t, int fd, const char *path, bool json, bool dry_run,
		     bool again);
int bg_cmd_verify(struct bg_tool *t, int argc, char **argv);
/* Flushes stdout: a write error (a full disk) is said, naming cmd, and turns
 * rc 0 into a failure.  Returns the exit code. */
int bg_stdout_done(const char *cmd, int rc);
/* Runs run(t, argc, argv) in a child process and returns its exit code, or
 * -SIGNAL when it died of one.  LMDB keeps no page checksums: a damaged page
 * can send a reader through a wild pointer, and the commands that read the
 * whole store (verify, status, scan) must then say so, not crash. */
int bg_sacrificial(const char *cmd, struct bg_tool *t, int (*run)(struct bg_tool *, int, char **),
		   int argc, char **argv);

/* JSON output: a string with every control and non-ASCII-safe byte escaped. */
void bg_json_str(FILE *f, const char *s);
/* Prints `{"id": ID, "name": NAME, "date": DATE` (no closing brace): id 0 and a
 * date < 0 print null.  The one spelling of an advisory in JSON output. */
void bg_json_advisory_head(FILE *f, unsigned id, const char *name, long long date);
/* YYYY-MM-DD of an epoch time (UTC), "" for t < 0. */
/* ISO 8601 UTC time. */
/* Parses YYYY-MM-DD strictly into the epoch seconds of that day (UTC). */
int bg_parse_day(const char *s, long long *out);
/* Prints "breachguard COMMAND: usage: ..." and returns BG_EXIT_USAGE. */
int bg_usage(const char *cmd, const char *synopsis);
/* 0 when path is free or a regular file (an output written beside it and
 * renamed over it may replace it); else prints why, naming cmd and path, and
 * returns a negative errno: a device, fifo, symlink or directory is never
 * replaced (report --html /dev/null would have replaced /dev/null). */
int bg_out_path_ok(const char *cmd, const char *path);
struct stat;
/* bg_out_path_ok, and what it found: the path's lstat, st_mode 0 when it is free. */
int bg_out_path_stat(const char *cmd, const char *path, struct stat *st);
/* The new output (fd, written beside the old and renamed over it) takes the
 * old one's owner, group and read and write bits (old: bg_out_path_stat's
 * lstat, st_mode 0 when there was none; a new output is 0644 less the umask).
 * What cannot be kept is narrowed, never widened: a group the output cannot
 * be given loses its bits, so no one reads it who could not before.  Used by
 * report --html and export.  0, or a negative errno. */
int bg_out_mode(int fd, const struct stat *old);

#endif
