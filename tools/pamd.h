/* pamd.h: reading /etc/pam.d the way libpam does, to find our module's lines. */
#ifndef BG_PAMD_H
#define BG_PAMD_H

#include <stdbool.h>

#include "config.h"

#define BG_PAMD_DIR "/etc/pam.d"
#define BG_PAMD_MAX_ARGS 32
#define BG_PAMD_MAX_DEPTH 8 /* nested includes followed */

/* Splits a pam.d line in place into at most max words, as libpam does: a
 * [bracketed group] is one word, a '#' word ends the line.  The word count. */
int bg_pamd_split(char *s, char **words, int max);
/* A module path's file name ("/lib/security/pam_unix.so" -> "pam_unix.so"). */
const char *bg_pamd_base(const char *module);
/* Reads dir/service (a file name, depth <= BG_PAMD_MAX_DEPTH, else -EINVAL)
 * and calls line() with each line (writable, NUL-terminated) and its number;
 * a non-zero return stops the reading.  0 or a negative errno. */
int bg_pamd_read(const char *dir, const char *service, unsigned depth,
		 int (*line)(char *text, unsigned lineno, void *arg), void *arg);

struct bg_pamd_line {
	const char *service;
	unsigned lineno;
	char type[16]; /* account, password, ... (a leading '-' dropped) */
	int argc;
	const char *argv[BG_PAMD_MAX_ARGS];
};

/* Calls cb for each line of dir/service that loads pam_breachguard.so, following
 * @include, include and substack in order when follow is set.  Returns the number of such lines, or
 * a negative errno (the service file unreadable). */
int bg_pamd_lines(const char *dir, const char *service, bool follow,
		  void (*cb)(const struct bg_pamd_line *l, void *arg), void *arg);

/* The config the module would use for the service's account phase (its gating
 * line with action=deny if any, else its last
 * account line, includes followed): defaults, its conf= file, its arguments.  Returns 1 when the
 * service calls the module, 0 when not (cfg untouched), or a negative errno (logged). */
int bg_pamd_service_config(const char *service, struct bg_config *cfg, const struct bg_logger *log);

#endif
