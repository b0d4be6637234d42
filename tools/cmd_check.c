/* cmd_check.c: `breachguard check`: config (unknown keys are errors here), key,
 * store, and how /etc/pam.d wires the module. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check_trust.h"
#include "escape.h"
#include "identity.h"
#include "bundle.h"
#include "cli.h"
#include "pamd.h"
#include "safeopen.h"
#include "session.h"

struct counting_log {
	unsigned problems;
};

static void count_fn(void *arg, int prio, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void count_fn(void *arg, int prio, const char *fmt, va_list ap)
{
	struct counting_log *c = arg;

	if (prio <= LOG_WARNING)
		c->problems++;
	fputs(prio <= LOG_ERR ? "  error: " : "  warning: ", stdout);
	vprintf(fmt, ap);
	fputc('\n', stdout);
}

struct wiring {
	unsigned lines, account, password, problems;
};

/* A key the option table marks as the tool's does nothing as a module argument:
 * say so rather than let it look like a setting.  (Unknown keys and bad values
 * are the loader's errors, from the same table.) */
static void warn_tool_keys(const struct bg_pamd_line *l)
{
	for (int i = 0; i < l->argc; i++) {
		const char *eq = strchr(l->argv[i], '=');
		const struct bg_option *o;
		char key[64];

		if (!eq || (size_t)(eq - l->argv[i]) >= sizeof(key))
			continue;
		memcpy(key, l->argv[i], (size_t)(eq - l->argv[i]));
		key[eq - l->argv[i]] = '\0';
		o = bg_option_find(key);
		if (o && (o->flags & BG_OPT_TOOL))
			printf("  warning: %s is read by the breachguard tool only; as a module "
			       "argument it does nothing\n",
			       key);
	}
}

static void wiring_cb(const struct bg_pamd_line *l, void *arg)
{
	struct wiring *w = arg;
	struct counting_log cl = {0};
	struct bg_logger log = {count_fn, &cl, false};
	struct bg_config c;

	w->lines++;
	w->account += strcmp(l->type, "account") == 0;
	w->password += strcmp(l->type, "password") == 0;
	printf("pam.d: %s line %u: %s", l->service, l->lineno, l->type);
	for (int i = 0; i < l->argc; i++)
		printf(" %s", l->argv[i]);
	printf("\n");
	if (strcmp(l->type, "account") != 0 && strcmp(l->type, "password") != 0) {
		printf(
		    "  error: pam_breachguard.so has no %s phase; use it in account and password\n",
		    l->type);
		w->problems++;
	}
	bg_config_defaults(&c);
	if (bg_config_from_args(&c, l->argc, l->argv, &log) != 0 || cl.problems)
		w->problems++;
	warn_tool_keys(l);
}

/* A service whose module arguments (or conf= file) set other fold_case or
 * subaddress than those the store's identities were made under matches
 * nobody there (the module applies on_error): said per service.  made: the
 * store's settings; store: its path (a service using another store is not
 * this store's to judge). */
static unsigned check_service_norm(const char *service, const struct bg_norm_opts *made,
				   const char *store)
{
	struct bg_norm_opts o;
	struct bg_config c;
	char m[BG_NORM_TEXT_MAX], h[BG_NORM_TEXT_MAX];

	bg_config_defaults(&c); /* replaced when the service calls the module */
	if (bg_pamd_service_config(service, &c, NULL) != 1 || strcmp(c.store, store) != 0)
		return 0;
	bg_norm_opts_from_config(&o, &c);
	if (bg_norm_same(&o, made))
		return 0;
	bg_norm_describe(&o, h, sizeof(h));
	bg_norm_describe(made, m, sizeof(m));
	printf("  error: %s/%s: its account phase says %s, but the identities in %s were made "
	       "with %s: nobody would match there (the module applies on_error)\n",
	       BG_PAMD_DIR, service, h, store, m);
	return 1;
}

static unsigned check_pamd(const struct bg_norm_opts *made, const char *store)
{
	struct wiring w = {0};
	struct dirent *de;
	DIR *d = opendir(BG_PAMD_DIR);

	if (!d) {
		printf("pam.d: %s: %s\n", BG_PAMD_DIR, strerror(errno));
		return 1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || strchr(de->d_name, '~') || strstr(de->d_name, ".dpkg-"))
			continue;
		if (bg_pamd_lines(BG_PAMD_DIR, de->d_name, false, wiring_cb, &w) > 0 && made)
			w.problems += check_service_norm(de->d_name, made, store);
	}
	closedir(d);
	if (w.lines == 0)
		printf("pam.d: warning: no service calls pam_breachguard.so yet "
		       "(Debian: pam-auth-update --enable breachguard)\n");
	else if (!w.password)
		printf("pam.d: warning: no password-phase line: rotations are seen only through "
		       "shadow, not recorded at the change\n");
	return w.problems;
}

int bg_cmd_check(struct bg_tool *t, int argc, char **argv)
{
	struct counting_log cl = {0};
	struct bg_logger log = {count_fn, &cl, false};
	struct bg_store_stats s;
	struct bg_norm_opts made;
	struct bg_ctx ctx;
	unsigned problems = 0;
	bool made_known = false;

	(void)argv;
	if (argc != 1)
		return bg_usage("check", "");
	printf("config: %s\n", t->conf_path);
	if (bg_config_load(&t->cfg, t->conf_path, !t->conf_explicit, true, &log, NULL) != 0 ||
	    cl.problems)
		problems++;
	else
		printf("  ok\n");
	if (t->cfg.domains.n == 0)
		printf("  warning: no domains set: only user names, GECOS and alias addresses "
		       "match\n");
	/* A domain the normaliser refuses ("example.c") makes user@domain an
	 * identity no import can hold: every account would be clear through it. */
	{
		struct bg_norm_opts o;

		bg_norm_opts_from_config(&o, &t->cfg);
		for (const char *d = bg_list_next(&t->cfg.domains, NULL); d;
		     d = bg_list_next(&t->cfg.domains, d)) {
			char addr[BG_ID_MAX], norm[BG_ID_MAX], safe[160];
			int n = snprintf(addr, sizeof(addr), "user@%s", d), r;

			if (n <= 0 || (size_t)n >= sizeof(addr))
				continue;
			if ((r = bg_normalise(addr, (size_t)n, &o, norm, sizeof(norm))) < 0) {
				printf("  error: domains: \"%s\": no address in it is ever "
				       "imported or "
				       "matched (%s)\n",
				       bg_escape(d, 0, safe, sizeof(safe)), bg_norm_strerror(r));
				problems++;
			}
		}
	}
	printf("key: %s\n", t->cfg.key_file);
	printf("store: %s\n", t->cfg.store);
	bg_ctx_init(&ctx, &t->cfg, &log, BG_STORE_RDONLY | BG_STORE_EXIT_DAMAGED);
	cl.problems = 0;
	if (bg_ctx_open(&ctx) != 0 || bg_ctx_norm_check(&ctx) != 0 ||
	    bg_store_stats(ctx.store, &s) != 0) {
		problems++;
	} else {
		printf("  ok: key matches the store; %llu advisories, %llu identities\n",
		       (unsigned long long)s.advisories, (unsigned long long)s.identities);
		/* The settings its identities were made under (the config's, which
		 * bg_ctx_norm_check found the same, for a store from before them). */
		if (bg_store_norm(ctx.store, &made) != 0)
			bg_norm_opts_from_config(&made, &t->cfg);
		made_known = true;
	}
	bg_ctx_close(&ctx);
	if (t->cfg.aliases[0]) {
		char *buf = NULL;
		const char *why = NULL;
		size_t len;
		int r = bg_read_small_file(t->cfg.aliases, 1, 64u << 20, &buf, &len, &why);

		printf("aliases: %s\n", t->cfg.aliases);
		if (r != 0) {
			printf("  error: %s\n", why ? why : strerror(-r));
			problems++;
		} else {
			printf("  ok\n");
		}
		free(buf);
	}
	if (t->cfg.trusted_keys.n) {
		/* The fleet's public keys, loaded as import BUNDLE loads them. */
		struct bg_trust *tr = malloc(sizeof(*tr));
		char err[BG_PATH_MAX + 256];

		printf("trusted_keys: %zu key(s)\n", t->cfg.trusted_keys.n);
		if (!tr || bg_trust_load(tr, &t->cfg.trusted_keys, err, sizeof(err)) != 0) {
			printf("  error: %s\n", tr ? err : "out of memory");
			problems++;
		} else {
			for (size_t i = 0; i < tr->n; i++) {
				char id[17];

				bg_signer_id(tr->key[i], id);
				printf("  ok: %s (key id %s)\n", tr->path[i], id);
			}
		}
		free(tr);
	}
	problems += check_pamd(made_known ? &made : NULL, t->cfg.store);
	problems += bg_check_trust();
	printf("%s\n", problems ? "check: problems found" : "check: ok");
	return problems ? BG_EXIT_FAIL : BG_EXIT_OK;
}
