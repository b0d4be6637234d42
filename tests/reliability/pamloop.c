/* pamloop.c: the reliability suite's PAM driver.  It goes through the real
 * libpam (pam_start_confdir with a generated service directory) and the real
 * module, and owns no breachguard code.
 *
 *   pamloop [options] MODE USER...
 *
 * Modes:
 *   once       one pam_start/pam_acct_mgmt/pam_end per USER; prints
 *              "USER RESULT" and every conversation message ("msg: TEXT").
 *              A USER of the form SERVICE:USER uses that service (once, loop).
 *   loop       account checks round-robin over USER... until -n checks, -T
 *              seconds or the stop file (-x) appears; per user it prints the
 *              run-length sequence of results ("seq USER R:n,R:n"), then
 *              checks, errors, latency (max and mean, microseconds) and with
 *              -r the RSS and descriptor count after warm-up and at the end.
 *   chauthtok  one pam_chauthtok per USER (new password from -p), then the
 *              account phase again; prints both results.
 *   fork       as sshd: pam_start in the parent, fork, pam_acct_mgmt and
 *              pam_end in the child, which then checks that nothing of the
 *              store is open or mapped and execs "pamloop fdscan" (which sees
 *              every inherited descriptor); the parent continues with its own
 *              pam_acct_mgmt afterwards.  Exit 0 when all held.
 *   fdscan     lists this process's descriptors; exit 1 if one names a
 *              store file (data.mdb, lock.mdb, writer.lock).
 *   direct     dlopen()s the module (-M) and calls pam_sm_acct_mgmt itself
 *              with the arguments given by -a (repeatable): prints the
 *              module's own return code ("USER direct RESULT").
 *
 * Options: -D CONFDIR, -s SERVICE, -n N, -T SECONDS, -x STOPFILE, -r (report
 * RSS/fds), -l LOG (loop: one line per check, "START END USER RESULT" in
 * CLOCK_MONOTONIC seconds, comparable across processes), -q (PAM_SILENT), -p PASSWORD, -M MODULE,
 * -a ARG, -e EXPECT (once: exit 1 unless every result is EXPECT; loop: a result other than the
 * allowed ones, comma separated, counts as an error).
 *
 * Syslog: this program defines syslog, vsyslog and their _chk variants (exported
 * with -rdynamic, so libpam and the modules bind to them): with BGREL_SYSLOG
 * set, every message is appended to that file as "LEVEL MESSAGE"; without it
 * they are dropped (tests must not spam the host's log). */
#undef _FORTIFY_SOURCE

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_appl.h>
#include <security/pam_modules.h>

/* ---- syslog capture ------------------------------------------------------- */

/* Dropped without BGREL_SYSLOG: tests must not spam the host's log. */
#define SYSLOG_CAPTURE_ENV "BGREL_SYSLOG"
#define SYSLOG_CAPTURE_FORWARD 0
#include "../syslog_capture.h"

/* ---- helpers -------------------------------------------------------------- */

static const char *code_name(int rc)
{
	switch (rc) {
	case PAM_SUCCESS:
		return "PAM_SUCCESS";
	case PAM_NEW_AUTHTOK_REQD:
		return "PAM_NEW_AUTHTOK_REQD";
	case PAM_PERM_DENIED:
		return "PAM_PERM_DENIED";
	case PAM_IGNORE:
		return "PAM_IGNORE";
	case PAM_AUTH_ERR:
		return "PAM_AUTH_ERR";
	case PAM_USER_UNKNOWN:
		return "PAM_USER_UNKNOWN";
	case PAM_ACCT_EXPIRED:
		return "PAM_ACCT_EXPIRED";
	case PAM_AUTHTOK_ERR:
		return "PAM_AUTHTOK_ERR";
	case PAM_SYSTEM_ERR:
		return "PAM_SYSTEM_ERR";
	case PAM_BUF_ERR:
		return "PAM_BUF_ERR";
	case PAM_SERVICE_ERR:
		return "PAM_SERVICE_ERR";
	case PAM_ABORT:
		return "PAM_ABORT";
	case PAM_CONV_ERR:
		return "PAM_CONV_ERR";
	case PAM_TRY_AGAIN:
		return "PAM_TRY_AGAIN";
	case PAM_AUTHTOK_RECOVERY_ERR:
		return "PAM_AUTHTOK_RECOVERY_ERR";
	default: {
		static char buf[32];

		snprintf(buf, sizeof(buf), "PAM_CODE_%d", rc);
		return buf;
	}
	}
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long rss_kib(void)
{
	FILE *f = fopen("/proc/self/statm", "re");
	long size = 0, res = 0;

	if (!f)
		return -1;
	if (fscanf(f, "%ld %ld", &size, &res) != 2)
		res = -1;
	fclose(f);
	return res < 0 ? -1 : res * (sysconf(_SC_PAGESIZE) / 1024);
}

static bool store_name(const char *target)
{
	const char *b = strrchr(target, '/');

	b = b ? b + 1 : target;
	return strncmp(b, "data.mdb", 8) == 0 || strncmp(b, "lock.mdb", 8) == 0 ||
	       strncmp(b, "writer.lock", 11) == 0;
}

/* Counts open descriptors (without the directory stream's own); with verbose,
 * lists them; *bad counts the ones naming a store file. */
static int count_fds(bool verbose, int *bad)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (bad)
		*bad = 0;
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char link[300], target[PATH_MAX];
		ssize_t len;

		if (e->d_name[0] == '.' || atoi(e->d_name) == dirfd(d))
			continue;
		n++;
		snprintf(link, sizeof(link), "/proc/self/fd/%s", e->d_name);
		len = readlink(link, target, sizeof(target) - 1);
		target[len < 0 ? 0 : len] = '\0';
		if (verbose)
			printf("fd %s -> %s\n", e->d_name, target);
		if (bad && store_name(target))
			(*bad)++;
	}
	closedir(d);
	return n;
}

/* Lines of /proc/self/maps that map a store file. */
static int store_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[1024];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p = strrchr(line, '/');

		if (p && store_name(p)) {
			fprintf(stderr, "still mapped: %s", line);
			n++;
		}
	}
	fclose(f);
	return n;
}

/* ---- conversation --------------------------------------------------------- */

struct conv_data {
	const char *password;
	bool print;
	unsigned messages;
};

static int conv(int n, const struct pam_message **msg, struct pam_response **resp, void *arg)
{
	struct conv_data *cd = arg;
	struct pam_response *r = calloc((size_t)n, sizeof(*r));

	if (!r)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
		case PAM_PROMPT_ECHO_ON:
			if (!cd->password)
				goto fail;
			r[i].resp = strdup(cd->password);
			if (!r[i].resp)
				goto fail;
			break;
		case PAM_TEXT_INFO:
		case PAM_ERROR_MSG:
			cd->messages++;
			if (cd->print)
				printf("msg: %s\n", msg[i]->msg);
			break;
		default:
			goto fail;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
fail:
	for (int i = 0; i < n; i++)
		free(r[i].resp);
	free(r);
	return PAM_CONV_ERR;
}

/* ---- options -------------------------------------------------------------- */

struct opts {
	const char *confdir, *service, *stopfile, *password, *module, *expect, *logfile;
	long count;
	double seconds;
	bool report, silent;
	const char *args[32];
	int nargs;
};

/* USER may be "SERVICE:USER" to pick another service for that check. */
static int check_once(const struct opts *o, const char *user, struct conv_data *cd, int *acct)
{
	struct pam_conv pc = {conv, cd};
	pam_handle_t *pamh = NULL;
	const char *colon = strchr(user, ':');
	char service[128];
	int rc;

	snprintf(service, sizeof(service), "%s", o->service);
	if (colon && (size_t)(colon - user) < sizeof(service)) {
		memcpy(service, user, (size_t)(colon - user));
		service[colon - user] = '\0';
		user = colon + 1;
	}
	rc = pam_start_confdir(service, user, &pc, o->confdir, &pamh);
	if (rc != PAM_SUCCESS) {
		fprintf(stderr, "pam_start_confdir(%s, %s): %s\n", service, o->confdir,
			code_name(rc));
		return -1;
	}
	*acct = pam_acct_mgmt(pamh, o->silent ? PAM_SILENT : 0);
	pam_end(pamh, *acct);
	return 0;
}

static bool allowed(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; p && *p;) {
		const char *c = strchr(p, ',');
		size_t len = c ? (size_t)(c - p) : strlen(p);

		if (len == n && strncmp(p, name, n) == 0)
			return true;
		p = c ? c + 1 : NULL;
	}
	return false;
}

/* ---- modes ---------------------------------------------------------------- */

static int mode_once(const struct opts *o, int nusers, char **users)
{
	int bad = 0;

	for (int i = 0; i < nusers; i++) {
		struct conv_data cd = {o->password, true, 0};
		int acct;

		if (check_once(o, users[i], &cd, &acct) != 0)
			return 2;
		printf("%s %s\n", users[i], code_name(acct));
		if (o->expect && strcmp(o->expect, code_name(acct)) != 0)
			bad++;
	}
	return bad ? 1 : 0;
}

#define MAX_USERS 16
#define MAX_RUNS 64

struct seq {
	int code[MAX_RUNS];
	long n[MAX_RUNS];
	int runs;
	bool overflow;
};

static int mode_loop(const struct opts *o, int nusers, char **users)
{
	struct seq seq[MAX_USERS];
	double start = now_s(), max_lat = 0, sum_lat = 0, t0;
	long checks = 0, errors = 0, rss0 = -1, fd0 = -1;
	struct stat sb;
	FILE *log = NULL;

	if (nusers > MAX_USERS)
		return 2;
	if (o->logfile && !(log = fopen(o->logfile, "we")))
		return 2;
	memset(seq, 0, sizeof(seq));
	for (;;) {
		for (int i = 0; i < nusers; i++) {
			struct conv_data cd = {NULL, false, 0};
			struct seq *s = &seq[i];
			double lat;
			int acct;

			t0 = now_s();
			if (check_once(o, users[i], &cd, &acct) != 0)
				return 2;
			lat = now_s() - t0;
			checks++;
			if (log)
				fprintf(log, "%.6f %.6f %s %s\n", t0, t0 + lat, users[i],
					code_name(acct));
			sum_lat += lat;
			if (lat > max_lat)
				max_lat = lat;
			if (o->expect && !allowed(o->expect, code_name(acct))) {
				if (errors < 5)
					fprintf(stderr, "pamloop[%d]: %s: %s\n", (int)getpid(),
						users[i], code_name(acct));
				errors++;
			}
			if (s->runs && s->code[s->runs - 1] == acct) {
				s->n[s->runs - 1]++;
			} else if (s->runs < MAX_RUNS) {
				s->code[s->runs] = acct;
				s->n[s->runs++] = 1;
			} else {
				s->overflow = true;
			}
			/* Warm-up done (libraries loaded, caches filled): the baseline. */
			if (checks == 200 && o->report) {
				rss0 = rss_kib();
				fd0 = count_fds(false, NULL);
			}
		}
		if (o->count > 0 && checks >= o->count)
			break;
		if (o->seconds > 0 && now_s() - start >= o->seconds)
			break;
		if (o->stopfile && stat(o->stopfile, &sb) == 0)
			break;
	}
	if (log)
		fclose(log);
	for (int i = 0; i < nusers; i++) {
		printf("seq %s ", users[i]);
		for (int r = 0; r < seq[i].runs; r++)
			printf("%s%s:%ld", r ? "," : "", code_name(seq[i].code[r]), seq[i].n[r]);
		printf("%s\n", seq[i].overflow ? ",OVERFLOW" : "");
	}
	printf("checks %ld\nerrors %ld\nmax_us %.0f\nmean_us %.0f\nelapsed_s %.3f\n", checks,
	       errors, max_lat * 1e6, checks ? sum_lat / (double)checks * 1e6 : 0.0,
	       now_s() - start);
	if (o->report)
		printf("rss_kib_start %ld\nrss_kib_end %ld\nfds_start %ld\nfds_end %d\n", rss0,
		       rss_kib(), fd0, count_fds(false, NULL));
	return errors ? 1 : 0;
}

static int mode_chauthtok(const struct opts *o, int nusers, char **users)
{
	int bad = 0;

	for (int i = 0; i < nusers; i++) {
		struct conv_data cd = {o->password, true, 0};
		struct pam_conv pc = {conv, &cd};
		pam_handle_t *pamh = NULL;
		int rc, acct;

		rc = pam_start_confdir(o->service, users[i], &pc, o->confdir, &pamh);
		if (rc != PAM_SUCCESS)
			return 2;
		rc = pam_chauthtok(pamh, o->silent ? PAM_SILENT : 0);
		printf("%s chauthtok %s\n", users[i], code_name(rc));
		acct = pam_acct_mgmt(pamh, o->silent ? PAM_SILENT : 0);
		printf("%s account %s\n", users[i], code_name(acct));
		pam_end(pamh, acct);
		if (o->expect && strcmp(o->expect, code_name(rc)) != 0)
			bad++;
	}
	return bad ? 1 : 0;
}

static int mode_fdscan(void)
{
	int bad = 0, n = count_fds(true, &bad);

	printf("fdscan: %d open, %d naming a store file\n", n, bad);
	return bad ? 1 : 0;
}

static int fork_child(const struct opts *o, pam_handle_t *pamh, const char *self)
{
	int bad = 0, before, after, acct;

	before = count_fds(false, NULL);
	acct = pam_acct_mgmt(pamh, o->silent ? PAM_SILENT : 0);
	after = count_fds(false, &bad);
	printf("child: account %s, fds %d before, %d after, %d naming a store file, %d store "
	       "mappings\n",
	       code_name(acct), before, after, bad, store_maps());
	fflush(stdout);
	if (o->expect && strcmp(o->expect, code_name(acct)) != 0)
		_exit(3);
	if (before != after || bad || store_maps() != 0)
		_exit(4);
	pam_end(pamh, acct);
	/* An exec'd program (the user's shell) sees whatever was inherited. */
	execl(self, self, "fdscan", (char *)NULL);
	_exit(5);
}

static int mode_fork(const struct opts *o, int nusers, char **users, const char *self)
{
	int failed = 0;

	for (int i = 0; i < nusers; i++) {
		struct conv_data cd = {NULL, false, 0};
		struct pam_conv pc = {conv, &cd};
		pam_handle_t *pamh = NULL;
		int rc, status, acct, before;
		pid_t pid;

		before = count_fds(false, NULL);
		rc = pam_start_confdir(o->service, users[i], &pc, o->confdir, &pamh);
		if (rc != PAM_SUCCESS)
			return 2;
		fflush(stdout);
		pid = fork();
		if (pid < 0)
			return 2;
		if (pid == 0)
			fork_child(o, pamh, self);
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0) {
			printf("FAIL child of %s: status 0x%x\n", users[i], status);
			failed++;
		}
		/* The parent carries on with the same handle. */
		acct = pam_acct_mgmt(pamh, o->silent ? PAM_SILENT : 0);
		pam_end(pamh, acct);
		printf("parent: %s account %s, fds %d before, %d after, %d store mappings\n",
		       users[i], code_name(acct), before, count_fds(false, NULL), store_maps());
		if ((o->expect && strcmp(o->expect, code_name(acct)) != 0) ||
		    count_fds(false, NULL) != before || store_maps() != 0)
			failed++;
	}
	return failed ? 1 : 0;
}

static int mode_direct(const struct opts *o, int nusers, char **users)
{
	int (*acct_fn)(pam_handle_t *, int, int, const char **);
	const char **args = (const char **)o->args;
	void *h;
	int bad = 0;

	if (!o->module)
		return 2;
	h = dlopen(o->module, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "dlopen %s: %s\n", o->module, dlerror());
		return 2;
	}
	*(void **)&acct_fn = dlsym(h, "pam_sm_acct_mgmt");
	if (!acct_fn)
		return 2;
	for (int i = 0; i < nusers; i++) {
		struct conv_data cd = {NULL, true, 0};
		struct pam_conv pc = {conv, &cd};
		pam_handle_t *pamh = NULL;
		int rc;

		if (pam_start_confdir(o->service, users[i], &pc, o->confdir, &pamh) != PAM_SUCCESS)
			return 2;
		rc = acct_fn(pamh, o->silent ? PAM_SILENT : 0, o->nargs, args);
		pam_end(pamh, rc);
		printf("%s direct %s\n", users[i], code_name(rc));
		if (o->expect && strcmp(o->expect, code_name(rc)) != 0)
			bad++;
	}
	dlclose(h);
	return bad ? 1 : 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: pamloop [-D CONFDIR] [-s SERVICE] [-n N] [-T SEC] [-x STOPFILE] "
			"[-r] [-q] [-p PW] [-M MODULE] [-a ARG]... [-e EXPECT] "
			"once|loop|chauthtok|fork|fdscan|direct USER...\n");
}

int main(int argc, char **argv)
{
	struct opts o = {0};
	const char *mode;
	int c;

	o.service = "bgrel";
	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((c = getopt(argc, argv, "D:s:n:T:x:rqp:M:a:e:l:")) != -1) {
		switch (c) {
		case 'D':
			o.confdir = optarg;
			break;
		case 's':
			o.service = optarg;
			break;
		case 'n':
			o.count = strtol(optarg, NULL, 10);
			break;
		case 'T':
			o.seconds = strtod(optarg, NULL);
			break;
		case 'x':
			o.stopfile = optarg;
			break;
		case 'r':
			o.report = true;
			break;
		case 'q':
			o.silent = true;
			break;
		case 'p':
			o.password = optarg;
			break;
		case 'M':
			o.module = optarg;
			break;
		case 'a':
			if (o.nargs < 32)
				o.args[o.nargs++] = optarg;
			break;
		case 'e':
			o.expect = optarg;
			break;
		case 'l':
			o.logfile = optarg;
			break;
		default:
			usage();
			return 2;
		}
	}
	if (optind >= argc) {
		usage();
		return 2;
	}
	mode = argv[optind++];
	if (strcmp(mode, "fdscan") == 0)
		return mode_fdscan();
	if (optind >= argc) {
		usage();
		return 2;
	}
	if (strcmp(mode, "once") == 0)
		return mode_once(&o, argc - optind, argv + optind);
	if (strcmp(mode, "loop") == 0)
		return mode_loop(&o, argc - optind, argv + optind);
	if (strcmp(mode, "chauthtok") == 0)
		return mode_chauthtok(&o, argc - optind, argv + optind);
	if (strcmp(mode, "fork") == 0)
		return mode_fork(&o, argc - optind, argv + optind, "/proc/self/exe");
	if (strcmp(mode, "direct") == 0)
		return mode_direct(&o, argc - optind, argv + optind);
	usage();
	return 2;
}
