/* pam_breachguard.c: the PAM entry points and nothing else.  Every decision is
 * bg_verdict()'s; this file maps verdicts to PAM codes, talks to the user, and
 * writes the syslog lines.  PAM codes appear only here.  No global state: each
 * call parses its config, opens the store, and closes everything before return. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define PAM_SM_ACCOUNT
#define PAM_SM_PASSWORD
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "config.h"
#include "escape.h"
#include "verdict.h"

#define BG_EXPORT __attribute__((visibility("default")))
#define ROTATION_TRIES 20 /* x 100 ms: how long the password phase waits for a writer */

static void pam_log_fn(void *arg, int prio, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

static void pam_log_fn(void *arg, int prio, const char *fmt, va_list ap)
{
	pam_vsyslog((pam_handle_t *)arg, prio, fmt, ap);
}

/* Every syslog line of this file: user names and advisory names are untrusted
 * text, escaped here as bg_log() escapes the shared code's lines. */
static void plog(pam_handle_t *pamh, int prio, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void plog(pam_handle_t *pamh, int prio, const char *fmt, ...)
{
	char line[2048], safe[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	pam_syslog(pamh, prio, "%s", bg_escape(line, 0, safe, sizeof(safe)));
}

static void day_string(int64_t t, char *buf, size_t len)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (!gmtime_r(&tt, &tm) || strftime(buf, len, "%Y-%m-%d", &tm) == 0)
		snprintf(buf, len, "?");
}

/* "NAME" (DATE), plus how many more, for messages and log lines. */
static void advisory_label(const struct bg_result *r, char *buf, size_t len)
{
	const struct bg_advisory *a = &r->adv[0];
	char day[16], name[BG_NAME_MAX * 8];

	for (size_t i = 1; i < r->n_adv && i < BG_MAX_LISTED; i++)
		if ((r->adv[i].published >= 0 ? r->adv[i].published : r->adv[i].imported) >
		    (a->published >= 0 ? a->published : a->imported))
			a = &r->adv[i];
	day_string(a->published >= 0 ? a->published : a->imported, day, sizeof(day));
	bg_escape(a->name, BG_ESC_QUOTES, name, sizeof(name));
	if (r->n_adv > 1)
		snprintf(buf, len, "\"%s\" (%s) and %zu more", name, day, r->n_adv - 1);
	else
		snprintf(buf, len, "\"%s\" (%s)", name, day);
}

/* The admin's message with %u (user) and %a (advisories) expanded. */
static void expand_message(const char *tmpl, const char *user, const char *label, char *out,
			   size_t len)
{
	size_t o = 0;

	for (const char *p = tmpl; *p && o + 1 < len; p++) {
		const char *ins = NULL;

		if (p[0] == '%' && (p[1] == 'u' || p[1] == 'a' || p[1] == '%')) {
			ins = p[1] == 'u' ? user : p[1] == 'a' ? label : "%";
			p++;
		}
		if (ins) {
			int n = snprintf(out + o, len - o, "%s", ins);
			o = n < 0 ? o : (size_t)n >= len - o ? len - 1 : o + (size_t)n;
		} else {
			out[o++] = *p;
		}
	}
	out[o] = '\0';
}

static void tell(pam_handle_t *pamh, int flags, bool error, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void tell(pam_handle_t *pamh, int flags, bool error, const char *fmt, ...)
{
	char msg[1024], safe[4096];
	va_list ap;

	if (flags & (int)PAM_SILENT)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* To the user's terminal: no escape sequence, newline or bidi override. */
	bg_escape(msg, 0, safe, sizeof(safe));
	if (error)
		pam_error(pamh, "%s", safe);
	else
		pam_info(pamh, "%s", safe);
}

/* Remembers the password-hash fingerprint when enforcement begins.  Best effort:
 * a busy store (an import running) only postpones it to a later login. */
static void record_fingerprint(struct bg_ctx *ctx, const char *user, const struct bg_result *r)
{
	int rc = bg_record_enforcement(ctx, user, r);

	if (rc == -EBUSY)
		bg_log(ctx->log, LOG_DEBUG, "store busy; fingerprint of user=%s postponed", user);
	else if (rc != 0)
		bg_log(ctx->log, LOG_ERR, "could not record the enforcement start of user=%s: %s",
		       user, strerror(-rc));
}

static int act(pam_handle_t *pamh, int flags, const struct bg_config *cfg, const char *user,
	       const struct bg_result *r)
{
	char label[BG_NAME_MAX * 8 + 64], custom[BG_MESSAGE_MAX + BG_NAME_MAX * 8 + 256], day[16];
	const char *verdict = bg_verdict_name(r->verdict);

	if (r->n_adv)
		advisory_label(r, label, sizeof(label));
	else
		snprintf(label, sizeof(label), "-");
	if (cfg->audit)
		plog(pamh, LOG_INFO, "user=%s verdict=%s action=%s advisories=%s", user,
			   verdict, bg_action_name(r->action), label);
	switch (r->verdict) {
	case BG_V_NOT_OURS:
		return PAM_IGNORE;
	case BG_V_EXEMPT:
	case BG_V_CLEAR:
	case BG_V_ROTATED:
		return PAM_SUCCESS;
	default:
		break;
	}
	if (r->action == BG_ACT_AUDIT) {
		plog(pamh, LOG_NOTICE, "audit: user=%s verdict=%s advisory %s (no action taken)",
			   user, verdict, label);
		return PAM_IGNORE;
	}
	switch (r->verdict) {
	case BG_V_NO_PASSWORD:
		if (cfg->locked_accounts == BG_LOCKED_DENY) {
			plog(pamh, LOG_NOTICE,
				   "denying user=%s: no usable password, advisory %s", user, label);
			tell(pamh, flags, true,
			     "Access denied: this account appears in the security advisory %s.",
			     label);
			return PAM_PERM_DENIED;
		}
		plog(pamh, LOG_NOTICE,
			   "not forcing user=%s: no usable password to change (advisory %s)", user,
			   label);
		return PAM_SUCCESS;
	case BG_V_CHANGE_BLOCKED:
		day_string(r->blocked_until, day, sizeof(day));
		plog(pamh, LOG_WARNING,
			   "not forcing user=%s yet: minimum password age reached on %s (advisory %s)",
			   user, day, label);
		tell(pamh, flags, false,
		     "This account appears in the security advisory %s; your password can be "
		     "changed from %s on; please change it then.",
		     label, day);
		return PAM_SUCCESS;
	case BG_V_GRACE: {
		long days = (long)((r->grace_until - time(NULL) + 86399) / 86400);

		plog(pamh, LOG_NOTICE, "warned user=%s: in grace period, advisory %s", user,
			   label);
		tell(pamh, flags, false,
		     "Your password must be changed within %ld day(s): this account appears in "
		     "the security advisory %s.",
		     days < 1 ? 1 : days, label);
		return PAM_SUCCESS;
	}
	default:
		break;
	}
	if (cfg->message[0])
		expand_message(cfg->message, user, label, custom, sizeof(custom));
	switch (r->action) {
	case BG_ACT_FORCE_CHANGE:
		plog(pamh, LOG_NOTICE, "forcing a password change for user=%s: advisory %s",
			   user, label);
		if (cfg->message[0])
			tell(pamh, flags, false, "%s", custom);
		else
			tell(pamh, flags, false,
			     "Your password must be changed now: this account appears in the "
			     "security advisory %s.",
			     label);
		return PAM_NEW_AUTHTOK_REQD;
	case BG_ACT_DENY:
		plog(pamh, LOG_NOTICE, "denying user=%s: password change pending, advisory %s",
			   user, label);
		if (cfg->message[0])
			tell(pamh, flags, true, "%s", custom);
		else
			tell(pamh, flags, true,
			     "Access denied: this account must change its password first "
			     "(security advisory %s).",
			     label);
		return PAM_PERM_DENIED;
	case BG_ACT_WARN:
	default:
		plog(pamh, LOG_NOTICE, "warned user=%s: password change pending, advisory %s",
			   user, label);
		if (cfg->message[0])
			tell(pamh, flags, false, "%s", custom);
		else
			tell(pamh, flags, false,
			     "Warning: this account appears in the security advisory %s; please "
			     "change your password.",
			     label);
		return PAM_SUCCESS;
	}
}

/* Config and user common to both phases; returns 0 or a negative errno. */
static int setup(pam_handle_t *pamh, int argc, const char **argv, struct bg_config *cfg,
		 struct bg_logger *log, const char **user)
{
	int rc = 0, crc;

	bg_config_defaults(cfg);
	log->fn = pam_log_fn;
	log->arg = pamh;
	log->debug = false;
	for (int i = 0; i < argc; i++)
		log->debug = log->debug || strcmp(argv[i], "debug") == 0;
	if (pam_get_user(pamh, user, NULL) != PAM_SUCCESS || !*user || !**user) {
		*user = NULL;
		plog(pamh, LOG_ERR, "cannot determine the user name");
		rc = -EINVAL;
	}
	/* Read all of it even after an error: on_error must be the one configured. */
	crc = bg_config_from_args(cfg, argc, argv, log);
	if (crc != 0)
		rc = crc;
	log->debug = cfg->debug;
	return rc;
}

BG_EXPORT int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct bg_config cfg;
	struct bg_logger log = {0};
	struct bg_ctx ctx;
	struct bg_result r;
	const char *user = NULL;
	int rc, ret;

	/* Read-only until a write is due: LMDB then allocates no write buffers. */
	bg_config_defaults(&cfg); /* setup() sets it again; this keeps gcc's flow analysis calm */
	bg_ctx_init(&ctx, &cfg, &log, BG_STORE_RDONLY | BG_STORE_NOWAIT);
	if ((rc = setup(pamh, argc, argv, &cfg, &log, &user)) != 0)
		goto fail;
	if ((rc = bg_verdict(&ctx, user, &r)) != 0)
		goto fail;
	if (r.record_fp && r.action != BG_ACT_AUDIT)
		record_fingerprint(&ctx, user, &r);
	ret = act(pamh, flags, &cfg, user, &r);
	bg_log(&log, LOG_DEBUG, "user=%s verdict=%s result=%s", user, bg_verdict_name(r.verdict),
	       pam_strerror(pamh, ret));
	goto out;
fail:
	/* The cause was logged where it happened; here the policy decides. */
	if (cfg.on_error == BG_ON_ERROR_CLOSED) {
		plog(pamh, LOG_ERR, "on_error=closed: denying %s (%s)", user ? user : "?",
			   strerror(-rc));
		ret = PAM_PERM_DENIED;
	} else {
		plog(pamh, LOG_ERR, "on_error=open: not checking %s (%s)", user ? user : "?",
			   strerror(-rc));
		ret = PAM_IGNORE;
	}
out:
	bg_ctx_close(&ctx);
	return ret;
}

BG_EXPORT int pam_sm_chauthtok(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct bg_config cfg;
	struct bg_logger log = {0};
	struct bg_ctx ctx;
	const char *user = NULL;
	int rc;

	/* The PRELIM pass only checks that a change could succeed: nothing changed yet. */
	if (!(flags & PAM_UPDATE_AUTHTOK))
		return PAM_IGNORE;
	bg_config_defaults(&cfg);
	bg_ctx_init(&ctx, &cfg, &log, BG_STORE_RDONLY | BG_STORE_NOWAIT);
	if ((rc = setup(pamh, argc, argv, &cfg, &log, &user)) != 0)
		goto out;
	for (int i = 0; i < ROTATION_TRIES; i++) {
		struct timespec ts = {0, 100 * 1000 * 1000};

		rc = bg_record_rotation(&ctx, user, BG_ROT_PASSWORD);
		if (rc != -EBUSY)
			break;
		bg_ctx_close(&ctx);
		nanosleep(&ts, NULL);
	}
	if (rc == 1)
		plog(pamh, LOG_NOTICE, "rotation recorded for user=%s", user);
	else if (rc == -EALREADY)
		plog(pamh, LOG_NOTICE,
			   "password of user=%s unchanged since enforcement began; no rotation recorded",
			   user);
	else if (rc == 0)
		bg_log(&log, LOG_DEBUG, "user=%s has no exposure; nothing to record", user);
out:
	if (rc < 0 && rc != -EALREADY)
		plog(pamh, LOG_ERR, "could not record the rotation of user=%s: %s",
			   user ? user : "?", strerror(-rc));
	bg_ctx_close(&ctx);
	/* Never fail a password change that the password modules already made. */
	return PAM_IGNORE;
}
