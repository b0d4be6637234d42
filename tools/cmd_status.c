/* cmd_status.c: status and scan, both printing bg_verdict()'s answer. */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "escape.h"
#include "pamd.h"
#include "verdict.h"

static const char *how_name(uint8_t how)
{
	switch (how) {
	case BG_ROT_PASSWORD:
		return "password change";
	case BG_ROT_ADMIN:
		return "administrator reset";
	case BG_ROT_OBSERVED:
		return "observed";
	}
	return "none";
}

struct printer {
	bool json;
	size_t n;
	char host[256]; /* JSON objects carry it, for the fleet report */
};

/* A rotation older than the newest exposure is no evidence: say so, instead
 * of an "enforce ... rotated <time>" that reads as a contradiction. */
static void print_stale_rotation(const struct bg_result *r, const char *when)
{
	size_t listed = r->n_adv < BG_MAX_LISTED ? r->n_adv : BG_MAX_LISTED;
	const struct bg_advisory *newest = NULL;

	for (size_t i = 0; i < listed; i++) {
		const struct bg_advisory *a = &r->adv[i];

		if (bg_advisory_exposure(a) == r->exposure)
			newest = a;
	}
	printf(", last rotation %s by %s, before advisory", when, how_name(r->rotation.how));
	if (newest)
		printf(" %u \"%s\"", newest->id, newest->name);
	else
		printf(" of %s", "the newest exposure");
}

/* The host name for the fleet report: gethostname(), or $BREACHGUARD_HOST
 * (tests, and hosts whose name says little). */
static void host_name(char *buf, size_t len)
{
	const char *env = getenv("BREACHGUARD_HOST");

	if (env && *env)
		snprintf(buf, len, "%s", env);
	else if (gethostname(buf, len) != 0)
		snprintf(buf, len, "unknown");
	buf[len - 1] = '\0';
}

static void print_result(struct printer *p, const char *user, const struct bg_result *r)
{
	char day[16], when[32];
	size_t listed = r->n_adv < BG_MAX_LISTED ? r->n_adv : BG_MAX_LISTED;

	bg_iso_time(r->rotation.rotated_at, when, sizeof(when));
	if (p->json) {
		printf("%s\n  {\"host\": ", p->n ? "," : "");
		bg_json_str(stdout, p->host);
		printf(", \"user\": ");
		bg_json_str(stdout, user);
		printf(", \"verdict\": \"%s\", \"action\": \"%s\", \"advisories\": [",
		       bg_verdict_name(r->verdict), bg_action_name(r->action));
		for (size_t i = 0; i < listed; i++) {
			const struct bg_advisory *a = &r->adv[i];

			fputs(i ? ", " : "", stdout);
			bg_json_advisory_head(stdout, a->id, a->name, bg_advisory_exposure(a));
			fputc('}', stdout);
		}
		printf("], \"rotated_at\": ");
		if (when[0] && r->rotation.how != BG_ROT_NONE)
			printf("\"%s\", \"rotated_by\": \"%s\"", when, how_name(r->rotation.how));
		else
			printf("null");
		if (r->why) {
			printf(", \"why\": ");
			bg_json_str(stdout, r->why);
		}
		if (r->verdict == BG_V_GRACE || r->verdict == BG_V_CHANGE_BLOCKED) {
			bg_day(r->verdict == BG_V_GRACE ? r->grace_until : r->blocked_until, day,
			       sizeof(day));
			printf(", \"until\": \"%s\"", day);
		}
		printf("}");
	} else {
		char safe[BG_NAME_MAX * 8];

		printf("%s: %s", bg_escape(user, BG_ESC_QUOTES, safe, sizeof(safe)),
		       bg_verdict_name(r->verdict));
		if (r->verdict == BG_V_ENFORCE)
			printf(" (action %s)", bg_action_name(r->action));
		if (r->verdict == BG_V_GRACE || r->verdict == BG_V_CHANGE_BLOCKED) {
			bg_day(r->verdict == BG_V_GRACE ? r->grace_until : r->blocked_until, day,
			       sizeof(day));
			printf(" until %s", day);
		}
		if (r->why)
			printf(" (%s)", r->why);
		if (when[0] && r->rotation.how != BG_ROT_NONE && r->verdict != BG_V_ROTATED &&
		    r->rotation.rotated_at < r->exposure)
			print_stale_rotation(r, when);
		else if (when[0] && r->rotation.how != BG_ROT_NONE)
			printf(", rotated %s by %s", when, how_name(r->rotation.how));
		for (size_t i = 0; i < listed; i++) {
			const struct bg_advisory *a = &r->adv[i];

			bg_day(bg_advisory_exposure(a), day, sizeof(day));
			printf("%s advisory %u \"%s\" %s", i ? "," : " --", a->id,
			       bg_escape(a->name, BG_ESC_QUOTES, safe, sizeof(safe)), day);
		}
		if (r->n_adv > listed)
			printf(" and %zu more", r->n_adv - listed);
		printf("\n");
	}
	p->n++;
}

static int status_run(struct bg_tool *t, int argc, char **argv)
{
	static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
					     {"service", required_argument, NULL, 's'},
					     {NULL, 0, NULL, 0}};
	struct printer p = {false, 0, ""};
	const char *service = NULL;
	struct bg_config svc;
	struct bg_ctx ctx;
	int c, rc = BG_EXIT_OK;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'j')
			p.json = true;
		else if (c == 's')
			service = optarg;
		else
			return bg_usage("status", "[--service S] [--json] USER...");
	}
	if (optind >= argc)
		return bg_usage("status", "[--service S] [--json] USER...");
	svc = t->cfg;
	if (service) {
		/* The service's own module arguments decide its action, as at login. */
		int r = bg_pamd_service_config(service, &svc, &t->log);

		if (r < 0)
			return BG_EXIT_FAIL;
		if (r == 0)
			fprintf(stderr,
				"breachguard: note: /etc/pam.d/%s does not call pam_breachguard.so "
				"directly; "
				"showing the config file's action\n",
				service);
	}
	bg_ctx_init(&ctx, &svc, &t->log, BG_STORE_RDONLY | BG_STORE_EXIT_DAMAGED);
	host_name(p.host, sizeof(p.host));
	if (p.json)
		printf("[");
	for (int i = optind; i < argc; i++) {
		struct bg_result r;

		if (bg_verdict(&ctx, argv[i], &r) != 0) {
			rc = BG_EXIT_FAIL;
			break;
		}
		if (r.verdict == BG_V_NOT_OURS) {
			fprintf(stderr, "breachguard: status: no such user \"%s\"\n", argv[i]);
			rc = BG_EXIT_FAIL;
			continue;
		}
		print_result(&p, argv[i], &r);
	}
	if (p.json)
		printf("%s]\n", p.n ? "\n" : "");
	bg_ctx_close(&ctx);
	return rc;
}

static int scan_run(struct bg_tool *t, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"json", no_argument, NULL, 'j'}, {"all", no_argument, NULL, 'a'}, {NULL, 0, NULL, 0}};
	struct printer p = {false, 0, ""};
	struct bg_ctx ctx;
	struct passwd *pw;
	bool all = false;
	size_t seen = 0;
	int c, rc = BG_EXIT_OK;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'j')
			p.json = true;
		else if (c == 'a')
			all = true;
		else
			return bg_usage("scan", "[--all] [--json]");
	}
	if (optind != argc)
		return bg_usage("scan", "[--all] [--json]");
	bg_ctx_init(&ctx, &t->cfg, &t->log, BG_STORE_RDONLY | BG_STORE_EXIT_DAMAGED);
	/* A store made under other settings is said once, before any account. */
	if (bg_ctx_open(&ctx) != 0 || bg_ctx_norm_check(&ctx) != 0) {
		bg_ctx_close(&ctx);
		return BG_EXIT_FAIL;
	}
	host_name(p.host, sizeof(p.host));
	if (p.json)
		printf("[");
	setpwent();
	while ((errno = 0, pw = getpwent()) != NULL) {
		struct bg_result r;
		char name[256];

		/* The verdict copies the entry before any other NSS call can reuse it;
		 * no second lookup by name (a linear search with nss_files). */
		snprintf(name, sizeof(name), "%s", pw->pw_name);
		seen++;
		if (bg_verdict_pw(&ctx, pw, &r) != 0) {
			rc = BG_EXIT_FAIL;
			break;
		}
		if (!all && (r.verdict == BG_V_CLEAR || r.verdict == BG_V_EXEMPT ||
			     r.verdict == BG_V_NOT_OURS))
			continue;
		print_result(&p, name, &r);
	}
	endpwent();
	if (p.json)
		printf("%s]\n", p.n ? "\n" : "");
	else
		fprintf(stderr, "scan: %zu account(s) checked, %zu listed\n", seen, p.n);
	bg_ctx_close(&ctx);
	return rc;
}

/* A damaged store that crashes the reader is said, with the way to find where. */
static int sacrificial(const char *cmd, struct bg_tool *t,
		       int (*run)(struct bg_tool *, int, char **), int argc, char **argv)
{
	int rc = bg_sacrificial(cmd, t, run, argc, argv);

	if (rc >= 0)
		return rc;
	fprintf(stderr,
		"breachguard: %s: reading the store %s crashed (signal %d): it is damaged "
		"(\"breachguard verify\" walks it)\n",
		cmd, t->cfg.store, -rc);
	return BG_EXIT_FAIL;
}

int bg_cmd_status(struct bg_tool *t, int argc, char **argv)
{
	return sacrificial("status", t, status_run, argc, argv);
}

int bg_cmd_scan(struct bg_tool *t, int argc, char **argv)
{
	return sacrificial("scan", t, scan_run, argc, argv);
}
