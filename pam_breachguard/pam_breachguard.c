/* pam_breachguard.c: the PAM entry points and nothing else.  Every decision is
 * bg_verdict()'s, what it leads to is outcome.c's table, the store and its
 * writes are session.c's; this file reads the PAM items, applies the table's
 * row (syslog line, conversation, PAM code) and reports the writes.  PAM codes
 * appear only here.  No global state: each call parses its config, opens the
 * store, and closes everything before return. */
#include <errno.h>
#include <locale.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <time.h>
#include <unistd.h>

#define PAM_SM_ACCOUNT
#define PAM_SM_PASSWORD
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "config.h"
#include "escape.h"
#include "outcome.h"
#include "safeopen.h"
#include "session.h"
#include "timefmt.h"
#include "verdict.h"

#define BG_EXPORT __attribute__((visibility("default")))

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

/* "NAME" (DATE), plus how many more, for messages and log lines. */
static void advisory_label(const struct bg_result *r, char *buf, size_t len)
{
	const struct bg_advisory *a = &r->adv[0];
	char day[16], name[BG_NAME_MAX * 8];

	for (size_t i = 1; i < r->n_adv && i < BG_MAX_LISTED; i++)
		if (bg_advisory_exposure(&r->adv[i]) > bg_advisory_exposure(a))
			a = &r->adv[i];
	bg_day(bg_advisory_exposure(a), day, sizeof(day));
	bg_escape(a->name, BG_ESC_QUOTES, name, sizeof(name));
	if (r->n_adv > 1)
		snprintf(buf, len, "\"%s\" (%s) and %zu more", name, day, r->n_adv - 1);
	else
		snprintf(buf, len, "\"%s\" (%s)", name, day);
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

/* The table's result as a PAM code. */
static int pam_code(enum bg_pam_result res)
{
	switch (res) {
	case BG_PAM_SUCCESS:
		return PAM_SUCCESS;
	case BG_PAM_NEW_AUTHTOK_REQD:
		return PAM_NEW_AUTHTOK_REQD;
	case BG_PAM_PERM_DENIED:
		return PAM_PERM_DENIED;
	case BG_PAM_IGNORE:
		break;
	}
	return PAM_IGNORE;
}

/* Applies the verdict's row of the outcome table: the syslog line, the user's
 * message (the config's message in place of the built-in one where the row
 * allows it), the PAM code. */
static int act(pam_handle_t *pamh, int flags, const struct bg_config *cfg, const char *user,
	       const struct bg_result *r, const struct bg_outcome *o)
{
	char label[BG_NAME_MAX * 8 + 64], day[16], days[24], text[2048];
	long left;
	struct bg_outcome_args args = {user, bg_verdict_name(r->verdict), label, day, days};
	const struct bg_outcome_args custom = {user, NULL, label, NULL, NULL};

	/* A row with nothing to say (clear, exempt, rotated, not ours: every
	 * login of everyone else) formats nothing. */
	if (!cfg->audit && !o->log && !o->user)
		return pam_code(o->result);
	left = (long)((r->grace_until - time(NULL) + 86399) / 86400);
	if (r->n_adv)
		advisory_label(r, label, sizeof(label));
	else
		snprintf(label, sizeof(label), "-");
	bg_day(r->blocked_until, day, sizeof(day));
	snprintf(days, sizeof(days), "%ld", left < 1 ? 1 : left);
	if (cfg->audit)
		plog(pamh, LOG_INFO, "user=%s verdict=%s action=%s advisories=%s", user,
		     args.verdict, bg_action_name(r->action), label);
	if (o->log) {
		bg_outcome_expand(o->log, &args, text, sizeof(text));
		plog(pamh, o->level, "%s", text);
	}
	if (o->user) {
		if (o->custom && cfg->message[0])
			bg_outcome_expand(cfg->message, &custom, text, sizeof(text));
		else
			bg_outcome_expand(o->user, &args, text, sizeof(text));
		tell(pamh, flags, o->user_error, "%s", text);
	}
	return pam_code(o->result);
}

/* --- the password phase: what the PRELIM pass saw ---------------------------------
 * The PRELIM pass keeps the account's shadow hash (pam_set_data, wiped when the
 * handle ends); the UPDATE pass records a rotation only when the hash it reads
 * then differs and is a usable, non-empty one.  An account with no readable
 * shadow entry (a directory user) shows no hash: its change is taken as made
 * when the UPDATE pass reaches the module with a new password set
 * (PAM_AUTHTOK), which relies on the line standing where only a successful
 * change reaches it (the profile's place; `breachguard check` says when not). */
#define SNAPSHOT_DATA "pam_breachguard_prelim_hash"

struct snapshot {
	char user[256];
	struct bg_shadow sh;
};

static void snapshot_cleanup(pam_handle_t *pamh, void *data, int status)
{
	(void)pamh;
	(void)status;
	bg_wipe(data, sizeof(struct snapshot));
	free(data);
}

static void take_snapshot(pam_handle_t *pamh)
{
	const char *user = NULL;
	struct snapshot *snap;

	if (pam_get_user(pamh, &user, NULL) != PAM_SUCCESS || !user || !*user ||
	    strlen(user) >= sizeof(snap->user))
		return;
	snap = calloc(1, sizeof(*snap));
	if (!snap) {
		plog(pamh, LOG_ERR, "out of memory; a change of user=%s will not be recorded",
		     user);
		return;
	}
	strcpy(snap->user, user);
	if (bg_shadow_system(NULL, user, &snap->sh) != 0 ||
	    pam_set_data(pamh, SNAPSHOT_DATA, snap, snapshot_cleanup) != PAM_SUCCESS) {
		plog(pamh, LOG_ERR,
		     "cannot keep the shadow entry of user=%s; its change will not be recorded",
		     user);
		snapshot_cleanup(pamh, snap, 0);
	}
}

static bool change_happened(pam_handle_t *pamh, const char *user)
{
	const void *data = NULL, *tok = NULL;
	const struct snapshot *before;
	struct bg_shadow now;
	bool changed = false;

	if (pam_get_data(pamh, SNAPSHOT_DATA, &data) != PAM_SUCCESS)
		data = NULL;
	before = data;
	if (before && strcmp(before->user, user) != 0)
		before = NULL;
	if (bg_shadow_system(NULL, user, &now) != 0) {
		plog(pamh, LOG_ERR,
		     "cannot read the shadow entry of user=%s; not counted as a rotation", user);
		goto out;
	}
	if (now.found) {
		if (now.hash[0] == '\0')
			plog(pamh, LOG_NOTICE, "password of user=%s is now empty: not a rotation",
			     user);
		else if (now.hash[0] == '!' || now.hash[0] == '*')
			plog(pamh, LOG_NOTICE, "password of user=%s is locked: not a rotation",
			     user);
		else if (!before || !before->sh.found)
			plog(pamh, LOG_NOTICE,
			     "no hash of user=%s from before the change (no PRELIM pass seen); "
			     "not counted as a rotation",
			     user);
		else if (strcmp(before->sh.hash, now.hash) == 0)
			plog(pamh, LOG_NOTICE,
			     "password of user=%s did not change (the change failed); "
			     "not counted as a rotation",
			     user);
		else
			changed = true;
		goto out;
	}
	/* No shadow entry: a directory user. */
	if (pam_get_item(pamh, PAM_AUTHTOK, &tok) == PAM_SUCCESS && tok && *(const char *)tok)
		changed = true;
	else
		plog(pamh, LOG_NOTICE,
		     "no new password of user=%s reached the module (the change failed); "
		     "not counted as a rotation",
		     user);
out:
	bg_wipe(&now, sizeof(now));
	return changed;
}

/* --- the account phase: who may never be locked out, and root's su ---------------- */

/* uid 0 (whatever the config says: it may be unreadable) and exempt_users (as
 * far as the config could be read) are never denied because of our own errors.
 * exempt_groups is not consulted here: a group lookup may be what failed. */
static bool break_glass(const struct bg_config *cfg, const char *user)
{
	struct passwd pw, *res = NULL;
	char buf[16384];

	if (strcmp(user, "root") == 0 || bg_list_contains(&cfg->exempt_users, user))
		return true;
	return getpwnam_r(user, &pw, buf, sizeof(buf), &res) == 0 && res && pw.pw_uid == 0;
}

/* The service's name when it is one of names (NULL-ended), else NULL. */
static const char *service_in(pam_handle_t *pamh, const char *const *names)
{
	const void *item = NULL;

	if (pam_get_item(pamh, PAM_SERVICE, &item) != PAM_SUCCESS || !item)
		return NULL;
	for (int k = 0; names[k]; k++)
		if (strcmp(item, names[k]) == 0)
			return names[k];
	return NULL;
}

/* The services whose PAM_RUSER is their caller, told by the kernel (the real
 * uid of a set-uid su or sudo, or root's own runuser). */
static bool su_service(pam_handle_t *pamh)
{
	static const char *const names[] = {"su",   "su-l",   "runuser", "runuser-l",
					    "sudo", "sudo-i", NULL};

	return service_in(pamh, names) != NULL;
}

/* root (the real uid of the process, and PAM_RUSER an account with uid 0, as su
 * and sudo set it) acting for another account. */
static bool invoked_by_root(pam_handle_t *pamh, const char *user, const char **ruser_out)
{
	const void *item = NULL;
	const char *ruser;
	struct passwd pw, *res = NULL;
	char buf[16384];

	/* Only su, runuser and sudo: they set PAM_RUSER from their own real uid.
	 * Every daemon runs with uid 0 too, and some put what the client claims
	 * there (rshd's remuser): "root" from the network is no root. */
	if (getuid() != 0 || !su_service(pamh) ||
	    pam_get_item(pamh, PAM_RUSER, &item) != PAM_SUCCESS || !item)
		return false;
	ruser = item;
	if (!*ruser || strcmp(ruser, user) == 0)
		return false;
	if (getpwnam_r(ruser, &pw, buf, sizeof(buf), &res) != 0 || !res || pw.pw_uid != 0)
		return false;
	*ruser_out = ruser;
	return true;
}

/* root_su = skip: root running su (or sudo -u) for a flagged account is not
 * made to change that account's password (root-run scripts: su - svc -c ...).
 * Returns true when the module lets it pass. */
static bool root_invoked_skip(pam_handle_t *pamh, const struct bg_config *cfg, const char *user,
			      const struct bg_result *r, const struct bg_outcome *o)
{
	const char *ruser = NULL;
	char label[BG_NAME_MAX + 64];
	bool refusing = o->result == BG_PAM_NEW_AUTHTOK_REQD || o->result == BG_PAM_PERM_DENIED;

	if (!refusing || !invoked_by_root(pamh, user, &ruser))
		return false;
	advisory_label(r, label, sizeof(label));
	if (cfg->root_su == BG_ROOT_SU_ENFORCE) {
		plog(pamh, LOG_NOTICE,
		     "user=%s invoked by %s: enforcing anyway (root_su = enforce)", user, ruser);
		return false;
	}
	plog(pamh, LOG_NOTICE, "not forcing user=%s: invoked by %s (root_su = skip), advisory %s",
	     user, ruser, label);
	return true;
}

/* The services that run an account's jobs with nobody at a terminal: cron
 * (crond on Red Hat), at, and systemd's user manager (systemd-user, started
 * for a session or for a lingering user).  A demand to change the password
 * cannot be met there: cron logs "Authentication token is no longer valid;
 * new one required" and drops the job, systemd fails user@.service.  Nobody
 * gets in through them either: the change is still demanded at the account's
 * next login, su or sudo.  The service's name, or NULL. */
static const char *unattended_service(pam_handle_t *pamh)
{
	static const char *const names[] = {"cron", "crond", "atd", "systemd-user", NULL};

	return service_in(pamh, names);
}

/* A forced change in such a service: let the job run, logged (LOG_INFO: a
 * job may run every minute).  A denial (action = deny) stays one.  Returns
 * true when the module lets it pass. */
static bool unattended_skip(pam_handle_t *pamh, const char *user, const struct bg_result *r,
			    const struct bg_outcome *o)
{
	const char *svc;
	char label[BG_NAME_MAX + 64];

	if (o->result != BG_PAM_NEW_AUTHTOK_REQD || !(svc = unattended_service(pamh)))
		return false;
	advisory_label(r, label, sizeof(label));
	plog(pamh, LOG_INFO,
	     "not forcing user=%s in service %s: it runs jobs, where no password can be "
	     "changed; the change is due at the next login (advisory %s)",
	     user, svc, label);
	return true;
}

/* A check stopped by a lack of resources (no file descriptor, no memory) in a
 * process started setuid (su, sudo, passwd): the caller's own limits
 * (RLIMIT_NOFILE, RLIMIT_AS, set with ulimit before su) are inherited by it,
 * so such a failure is one the caller can cause at will, and on_error = open
 * would make it a way past the change.  It is refused as on_error = closed
 * refuses.  In a process root started (sshd, login, cron) the limits are the
 * service's own, and on_error decides.  A full LMDB reader table (-EUSERS,
 * store.c) is refused anywhere: its slots are held by readers that stay in
 * their transaction, processes a user can stop (kill -STOP on su) while a
 * writer holds the gate, to let an sshd login of another account through. */
static bool caller_starved(int rc)
{
	if (rc == -EUSERS)
		return true;
	if (!getauxval(AT_SECURE) && getuid() == geteuid())
		return false;
	switch (-rc) {
	case EMFILE:
	case ENFILE:
	case ENOMEM:
	case ENOBUFS:
	case EAGAIN:
		return true;
	default:
		return false;
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

static int acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct bg_config cfg;
	struct bg_logger log = {0};
	struct bg_ctx ctx;
	struct bg_result r;
	const struct bg_outcome *o;
	const char *user = NULL;
	bool starved;
	int rc, ret;

	/* Read-only until a write is due: LMDB then allocates no write buffers. */
	bg_config_defaults(&cfg); /* setup() sets it again; this keeps gcc's flow analysis calm */
	bg_ctx_init(&ctx, &cfg, &log, BG_STORE_RDONLY | BG_STORE_NOWAIT | BG_STORE_NOLOCK);
	if ((rc = setup(pamh, argc, argv, &cfg, &log, &user)) != 0)
		goto fail;
	if ((rc = bg_verdict(&ctx, user, &r)) != 0)
		goto fail;
	if (!(o = bg_outcome_for(r.verdict, r.action, cfg.locked_accounts))) {
		rc = -EINVAL;
		goto fail;
	}
	bg_record_enforcement(&ctx, user, &r); /* best effort; logged there */
	/* The store, and the writers' gate held shared with it, are let go before
	 * the conversation: a user reading the message never holds up an import. */
	bg_ctx_close(&ctx);
	if (root_invoked_skip(pamh, &cfg, user, &r, o) || unattended_skip(pamh, user, &r, o))
		ret = PAM_SUCCESS;
	else
		ret = act(pamh, flags, &cfg, user, &r, o);
	if (log.debug) /* pam_strerror looks up a translation: only for a line kept */
		bg_log(&log, LOG_DEBUG, "user=%s verdict=%s result=%s", user,
		       bg_verdict_name(r.verdict), pam_strerror(pamh, ret));
	goto out;
fail:
	/* The cause was logged where it happened; here the policy decides, but
	 * never against root or a break-glass account (see break_glass()). */
	starved = caller_starved(rc);
	if ((cfg.on_error == BG_ON_ERROR_CLOSED || starved) && user && break_glass(&cfg, user)) {
		plog(pamh, LOG_ERR,
		     "%s: not denying %s, a break-glass account (%s); "
		     "not checking it",
		     rc == -EUSERS ? "the store's reader table is full"
		     : starved	   ? "out of resources in a setuid call"
				   : "on_error=closed",
		     user, strerror(-rc));
		ret = PAM_IGNORE;
	} else if (rc == -EUSERS) {
		plog(pamh, LOG_ERR,
		     "the store's reader table is full (its readers stay in their transaction: "
		     "stopped processes, while a writer holds the gate?): denying %s, whatever "
		     "on_error says",
		     user ? user : "?");
		ret = PAM_PERM_DENIED;
	} else if (starved) {
		plog(pamh, LOG_ERR,
		     "out of resources in a setuid call, limits its caller may have set: "
		     "denying %s (%s), whatever on_error says",
		     user ? user : "?", strerror(-rc));
		ret = PAM_PERM_DENIED;
	} else if (cfg.on_error == BG_ON_ERROR_CLOSED) {
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

static int chauthtok(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct bg_config cfg;
	struct bg_logger log = {0};
	struct bg_ctx ctx;
	const char *user = NULL;
	int rc;

	/* The PRELIM pass only checks that a change could succeed: nothing changed
	 * yet.  It keeps the hash as it is before the change, for the UPDATE pass. */
	if (flags & PAM_PRELIM_CHECK) {
		take_snapshot(pamh);
		return PAM_IGNORE;
	}
	if (!(flags & PAM_UPDATE_AUTHTOK))
		return PAM_IGNORE;
	bg_config_defaults(&cfg);
	bg_ctx_init(&ctx, &cfg, &log, BG_STORE_RDONLY | BG_STORE_NOWAIT | BG_STORE_NOLOCK);
	if ((rc = setup(pamh, argc, argv, &cfg, &log, &user)) != 0)
		goto out;
	/* Placed after a password module that failed, the UPDATE pass still runs:
	 * record only a change that really happened. */
	if (!change_happened(pamh, user)) {
		rc = 0;
		goto out;
	}
	rc = bg_record_rotation(&ctx, user, BG_ROT_PASSWORD); /* retries a busy store */
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

/* The entry points run the module in the C locale (uselocale: this thread only,
 * restored before returning): su and passwd call PAM in the caller's locale,
 * and no case rule or character class of ours may depend on it. */
static locale_t c_locale_enter(locale_t *old)
{
	locale_t c = newlocale(LC_ALL_MASK, "C", (locale_t)0);

	*old = c ? uselocale(c) : (locale_t)0;
	return c;
}

static void c_locale_leave(locale_t c, locale_t old)
{
	if (c) {
		uselocale(old);
		freelocale(c);
	}
}

typedef int phase_fn(pam_handle_t *pamh, int flags, int argc, const char **argv);

/* One call of a phase: the C locale, and one trust scope (the config, key and
 * store share their directories' check), both ended before returning. */
static int in_call(phase_fn *phase, pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct bg_trust_scope scope;
	locale_t old, c = c_locale_enter(&old);
	int ret;

	bg_trust_scope_begin(&scope);
	ret = phase(pamh, flags, argc, argv);
	bg_trust_scope_end();
	c_locale_leave(c, old);
	return ret;
}

BG_EXPORT int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return in_call(acct_mgmt, pamh, flags, argc, argv);
}

BG_EXPORT int pam_sm_chauthtok(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return in_call(chauthtok, pamh, flags, argc, argv);
}
