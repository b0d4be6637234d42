/* check_trust.c: the parts of `breachguard check` that look for ways around
 * the module (issue 10): a gating line something can skip, no password history
 * in front of pam_unix, and a syslog socket nobody reads. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "check_trust.h"
#include "config.h"
#include "pamd_stack.h"

static void quiet_fn(void *arg, int prio, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void quiet_fn(void *arg, int prio, const char *fmt, va_list ap)
{
	(void)arg;
	(void)prio;
	(void)fmt;
	(void)ap;
}

/* A line that must refuse: action=deny, or locked_accounts=deny (its config
 * file's values under its arguments). */
static bool is_gating(int argc, const char *const *argv, void *arg)
{
	struct bg_logger log = {quiet_fn, NULL, false};
	struct bg_config c;

	(void)arg;
	bg_config_defaults(&c);
	bg_config_from_args(&c, argc, argv, &log);
	return c.action == BG_ACT_DENY || c.locked_accounts == BG_LOCKED_DENY;
}

static void report_skip(const struct bg_pamd_skip *s, void *arg)
{
	unsigned *problems = arg;

	printf("pam.d: error: %s: the gating line (%s line %u, action=deny) can be bypassed: %s; "
	       "put it first in the account stack, before \"@include common-account\", as "
	       "\"account requisite pam_breachguard.so action=deny\"\n",
	       s->service, s->file, s->lineno, s->why);
	(*problems)++;
}

static unsigned check_gating(const char *dir)
{
	unsigned problems = 0;
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return 0; /* check_pamd() has said why */
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || strchr(de->d_name, '~') || strstr(de->d_name, ".dpkg-"))
			continue;
		bg_pamd_skippable(dir, de->d_name, "account", is_gating, report_skip, &problems);
	}
	closedir(d);
	return problems;
}

static void report_fallthrough(const struct bg_pamd_skip *s, void *arg)
{
	(void)arg;
	printf("pam.d: warning: %s: the password line (%s line %u) is reached after a failed "
	       "change: %s; place it after the primary modules' success jump and "
	       "\"requisite pam_deny.so\", as the pam-auth-update profile does\n",
	       s->service, s->file, s->lineno, s->why);
}

static void check_fallthrough(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || strchr(de->d_name, '~') || strstr(de->d_name, ".dpkg-"))
			continue;
		bg_pamd_fallthrough(dir, de->d_name, report_fallthrough, NULL);
	}
	closedir(d);
}

/* A to B and back to A: without a password history in front of pam_unix, the
 * change back to the exposed password is accepted (and looks like a rotation
 * to everybody: a salted hash differs on every change). */
static void check_history(const char *dir)
{
	int ours = bg_pamd_lines(dir, "passwd", true, NULL, NULL);
	int hist;

	if (ours <= 0)
		return;
	hist = bg_pamd_has_module(dir, "passwd", "password", "pam_pwhistory.so", "pam_unix.so");
	if (hist == 0)
		printf("pam.d: warning: passwd: no pam_pwhistory.so before pam_unix.so in the "
		       "password stack: a user can change to a new password and straight back to "
		       "the exposed one (Debian: pam-auth-update --enable breachguard-history)\n");
}

/* The module logs through syslog(3): with nothing on /dev/log its lines (every
 * forced change, denial, error) go nowhere. */
static void check_syslog(void)
{
	static const int types[] = {SOCK_DGRAM, SOCK_STREAM};
	struct sockaddr_un sa;
	int last = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", BG_SYSLOG_SOCKET);
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		int fd = socket(AF_UNIX, types[i] | SOCK_CLOEXEC, 0);

		if (fd < 0) {
			last = errno;
			continue;
		}
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			close(fd);
			printf("syslog: %s: ok\n", BG_SYSLOG_SOCKET);
			return;
		}
		last = errno;
		close(fd);
	}
	printf("syslog: warning: nothing listens on %s (%s): the module's log lines (forced "
	       "changes, denials, errors) go nowhere; start a syslog daemon (rsyslog, or "
	       "systemd-journald's socket)\n",
	       BG_SYSLOG_SOCKET, strerror(last));
}

unsigned bg_check_trust(void)
{
	unsigned problems = check_gating(BG_PAMD_DIR);

	check_history(BG_PAMD_DIR);
	check_fallthrough(BG_PAMD_DIR);
	check_syslog();
	return problems;
}
