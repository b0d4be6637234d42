/* verdict.c: the one decision function (design.md "The verdict"), shared by the
 * module and `breachguard status`/`scan`, with its injectable clock and shadow
 * source.  What it reads through (key, store) and what is written on its
 * answer (the enforcement record, the rotation) are session.c's. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <shadow.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "identity.h"
#include "verdict.h"

#define DAY 86400

const char *bg_verdict_name(enum bg_verdict v)
{
	switch (v) {
	case BG_V_NOT_OURS:
		return "unknown";
	case BG_V_EXEMPT:
		return "exempt";
	case BG_V_CLEAR:
		return "clear";
	case BG_V_ROTATED:
		return "rotated";
	case BG_V_NO_PASSWORD:
		return "no-password";
	case BG_V_CHANGE_BLOCKED:
		return "change-blocked";
	case BG_V_GRACE:
		return "grace";
	case BG_V_ENFORCE:
		return "enforce";
	}
	return "?";
}

/* NSS answers ERANGE when the caller's buffer is too small (a group of
 * thousands of members, a long GECOS): grow it, up to a sane cap, instead of
 * taking the error for "not found" (issue 10 item 9). */
#define NSS_BUF_FIRST 16384
#define NSS_BUF_MAX (16u << 20)
/* A shadow line is short (a yescrypt hash is 73 bytes); its buffer is wiped
 * whole (the lines read before the account's leave their hashes in it): 1 KiB
 * to wipe per check, not 16. */
#define SHADOW_BUF_FIRST 1024

/* The *_r functions return an errno; some NSS wrappers return -1 and set errno. */
static int nss_rc(int r)
{
	return r < 0 ? (errno ? errno : EIO) : r;
}

/* Doubles *buf (wiping the old one); -ERANGE past the cap, -ENOMEM. */
static int nss_grow(char **buf, size_t *len)
{
	char *grown;

	if (*len >= NSS_BUF_MAX)
		return -ERANGE;
	if (!(grown = malloc(*len * 2)))
		return -ENOMEM;
	bg_wipe(*buf, *len);
	free(*buf);
	*buf = grown;
	*len *= 2;
	return 0;
}

int bg_shadow_system(void *arg, const char *user, struct bg_shadow *out)
{
	struct spwd sp, *res = NULL;
	size_t len = SHADOW_BUF_FIRST;
	char *buf = malloc(len);
	int rc;

	(void)arg;
	memset(out, 0, sizeof(*out));
	if (!buf)
		return -ENOMEM;
	while ((rc = nss_rc(getspnam_r(user, &sp, buf, len, &res))) == ERANGE)
		if ((rc = -nss_grow(&buf, &len)) != 0)
			break;
	if (rc != 0 || !res) {
		/* Not found, or not ours to read (not root): no shadow entry to judge. */
		bg_wipe(buf, len);
		free(buf);
		return rc == ERANGE || rc == ENOMEM ? -rc : 0;
	}
	out->found = true;
	out->lastchg = sp.sp_lstchg;
	out->min = sp.sp_min;
	if (sp.sp_pwdp)
		snprintf(out->hash, sizeof(out->hash), "%s", sp.sp_pwdp);
	bg_wipe(buf, len);
	free(buf);
	return 0;
}

/* A shadow entry with no usable password: locked ("!..."), disabled ("*"). */
static bool password_usable(const char *hash)
{
	return hash[0] != '!' && hash[0] != '*';
}

/* Whether the account is in an exempt group.  An error (a group entry too
 * large even for NSS_BUF_MAX, out of memory) is logged and returned: the
 * exemption of a break-glass account must not vanish quietly. */
static int in_exempt_group(const struct bg_config *c, const struct passwd *pw, bool *hit,
			   const struct bg_logger *log)
{
	gid_t stackgroups[64], *groups = stackgroups;
	int n = 64, rc = 0;
	size_t len = NSS_BUF_FIRST;
	char *buf = NULL;

	*hit = false;
	if (c->exempt_groups.n == 0)
		return 0;
	if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) < 0) {
		if (n <= 64 || n > 65536) {
			bg_log(log, LOG_ERR, "groups of %s: getgrouplist reports %d groups",
			       pw->pw_name, n);
			return -ERANGE;
		}
		groups = calloc((size_t)n, sizeof(gid_t));
		if (!groups || getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) < 0) {
			rc = groups ? -ERANGE : -ENOMEM;
			bg_log(log, LOG_ERR, "groups of %s: %s", pw->pw_name, strerror(-rc));
			goto out;
		}
	}
	if (!(buf = malloc(len))) {
		rc = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < n && !*hit; i++) {
		struct group gr, *res = NULL;
		int r;

		while ((r = nss_rc(getgrgid_r(groups[i], &gr, buf, len, &res))) == ERANGE)
			if ((r = -nss_grow(&buf, &len)) != 0)
				break;
		if (r != 0 && r != ENOENT && r != ESRCH) {
			bg_log(log, LOG_ERR, "group %u of %s: %s%s", (unsigned)groups[i],
			       pw->pw_name, strerror(r),
			       r == ERANGE ? " (the entry is larger than 16 MiB)" : "");
			rc = -r;
			goto out;
		}
		if (res)
			*hit = bg_list_contains(&c->exempt_groups, gr.gr_name);
	}
out:
	free(buf);
	if (groups != stackgroups)
		free(groups);
	return rc;
}

/* Every advisory behind the verdict, for its grace (step 7): its exposure,
 * its import time and its own grace (-1: grace_days). */
struct due {
	int64_t t, imported;
	int32_t grace;
};
struct dues {
	struct due *v;
	size_t n, cap;
};

static int add_adv(struct bg_result *r, const struct bg_advisory *a, struct dues *d)
{
	int64_t t = bg_advisory_exposure(a);

	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 8;
		struct due *v = realloc(d->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		d->v = v;
		d->cap = cap;
	}
	d->v[d->n++] = (struct due){t, a->imported, a->grace_days};
	if (r->n_adv == 0 || t > r->exposure)
		r->exposure = t;
	if (r->n_cur < BG_ROT_MATCHED) {
		r->cur[r->n_cur] = a->id;
		r->cur_t[r->n_cur++] = t;
	} else {
		size_t old = 0;

		for (size_t i = 1; i < BG_ROT_MATCHED; i++)
			if (r->cur_t[i] < r->cur_t[old])
				old = i;
		if (t > r->cur_t[old]) {
			r->cur[old] = a->id;
			r->cur_t[old] = t;
		}
	}
	if (r->n_adv < BG_MAX_LISTED) {
		r->adv[r->n_adv] = *a;
	} else {
		/* The list is full: keep the newest, so messages name what forces. */
		size_t old = 0;

		for (size_t i = 1; i < BG_MAX_LISTED; i++)
			if (bg_advisory_exposure(&r->adv[i]) < bg_advisory_exposure(&r->adv[old]))
				old = i;
		if (t > bg_advisory_exposure(&r->adv[old]))
			r->adv[old] = *a;
	}
	r->n_adv++;
	return 0;
}

/* A set of advisory ids, grown as needed: every advisory of every identity is
 * read (issue 10 item 8: a cap of 64 ignored the newest ones). */
struct id_set {
	uint32_t *v;
	size_t n, cap;
};

static int id_set_reserve(struct id_set *s, size_t want)
{
	uint32_t *grown;
	size_t cap = s->cap ? s->cap : BG_STORE_MAX_ADV;

	if (want <= s->cap)
		return 0;
	while (cap < want)
		cap *= 2;
	if (!(grown = realloc(s->v, cap * sizeof(*grown))))
		return -ENOMEM;
	s->v = grown;
	s->cap = cap;
	return 0;
}

static bool id_set_has(const struct id_set *s, uint32_t id)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == id)
			return true;
	return false;
}

/* The ids of one identity's exposures, all of them, into *got. */
static int exposure_ids_all(struct bg_txn *t, const unsigned char d[BG_DIGEST_LEN],
			    struct id_set *got)
{
	int rc;

	got->n = 0;
	if ((rc = id_set_reserve(got, BG_STORE_MAX_ADV)) != 0)
		return rc;
	for (;;) {
		size_t n = 0;

		rc = bg_exposure_ids(t, d, got->v, got->cap, &n);
		if (rc != 0)
			return rc;
		if (n <= got->cap) {
			got->n = n;
			return 0;
		}
		if ((rc = id_set_reserve(got, n)) != 0)
			return rc;
	}
}

/* What the store is asked for one account, and the memory the lookup uses:
 * the caller's (freed after bg_ctx_guard, whichever way it returned). */
struct lookup {
	const struct bg_identities *ids;
	const char *user;
	struct bg_result *r;
	struct dues dues;
	struct id_set seen, got;
};

/* Collects the advisories behind any of the account's identities. */
static int lookup_exposures(struct bg_ctx *ctx, struct lookup *l)
{
	const struct bg_identities *ids = l->ids;
	const char *user = l->user;
	struct bg_result *r = l->r;
	struct id_set *seen = &l->seen, *got = &l->got;
	struct bg_txn *t = NULL;
	int rc;

	if ((rc = bg_ctx_open(ctx)) != 0 || (rc = bg_ctx_norm_check(ctx)) != 0 ||
	    (rc = bg_txn_begin(ctx->store, false, &t)) != 0)
		return rc;
	for (size_t i = 0; i < ids->n; i++) {
		unsigned char d[BG_DIGEST_LEN];

		if ((rc = bg_hmac_digest(ctx->hmac, "id", ids->id[i], strlen(ids->id[i]), d)) != 0)
			goto out;
		rc = exposure_ids_all(t, d, got);
		if (rc == -ENOENT)
			continue;
		if (rc != 0)
			goto out;
		for (size_t j = 0; j < got->n; j++) {
			struct bg_advisory a;

			if (id_set_has(seen, got->v[j]))
				continue;
			if ((rc = id_set_reserve(seen, seen->n + 1)) != 0)
				goto out;
			seen->v[seen->n++] = got->v[j];
			rc = bg_advisory_get(t, got->v[j], &a);
			if (rc == -ENOENT)
				continue; /* an exposure outliving its advisory: ignore */
			if (rc != 0)
				goto out;
			if ((rc = add_adv(r, &a, &l->dues)) != 0)
				goto out;
		}
	}
	/* Once matched, enforced until it rotates, is reset or the advisory is
	 * forgotten, whatever happens to the fields the user controls (GECOS with
	 * chfn): the advisories the enforcement record names count as matched. */
	rc = bg_rotation_get(t, user, &r->rotation);
	if (rc == -ENOENT)
		rc = 0;
	if (rc != 0)
		goto out;
	for (size_t j = 0; j < r->rotation.n_matched; j++) {
		struct bg_advisory a;
		uint32_t id = r->rotation.matched[j];

		if (id_set_has(seen, id))
			continue;
		if ((rc = id_set_reserve(seen, seen->n + 1)) != 0)
			goto out;
		seen->v[seen->n++] = id;
		rc = bg_advisory_get(t, id, &a);
		if (rc == -ENOENT) {
			rc = 0;
			continue; /* forgotten: the match goes with it */
		}
		if (rc != 0 || (rc = add_adv(r, &a, &l->dues)) != 0)
			goto out;
	}
out:
	if (rc == -ENOMEM)
		bg_log(ctx->log, LOG_ERR, "out of memory reading the exposures of %s", user);
	bg_txn_abort(t);
	return rc;
}

static int lookup_job(struct bg_ctx *ctx, void *arg)
{
	return lookup_exposures(ctx, arg);
}

int bg_verdict(struct bg_ctx *ctx, const char *user, struct bg_result *r)
{
	struct passwd pw, *pwres = NULL;
	size_t len = NSS_BUF_FIRST;
	char *pwbuf = malloc(len);
	int rc;

	if (!pwbuf)
		return -ENOMEM;
	/* 1. Not known to NSS: not ours. */
	while ((rc = nss_rc(getpwnam_r(user, &pw, pwbuf, len, &pwres))) == ERANGE)
		if ((rc = -nss_grow(&pwbuf, &len)) != 0)
			break;
	if (rc != 0 && rc != ENOENT && rc != ESRCH) {
		bg_log(ctx->log, LOG_ERR, "looking up user %s: %s", user, strerror(rc));
		free(pwbuf);
		return -rc;
	}
	if (!pwres) {
		memset(r, 0, sizeof(*r));
		r->action = ctx->cfg->action;
		r->verdict = BG_V_NOT_OURS;
		free(pwbuf);
		return 0;
	}
	rc = bg_verdict_pw(ctx, &pw, r);
	free(pwbuf);
	return rc;
}

int bg_verdict_pw(struct bg_ctx *ctx, const struct passwd *pwp, struct bg_result *r)
{
	const struct bg_config *c = ctx->cfg;
	struct passwd pw = *pwp;
	char name[256], *gecos = NULL;
	struct bg_identities *ids = NULL;
	struct bg_shadow sh;
	unsigned char fp[BG_DIGEST_LEN];
	struct dues dues = {0};
	int64_t grace_until;
	long today = (long)(ctx->now / DAY);
	bool fp_valid = false, empty;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	memset(&sh, 0, sizeof(sh));
	r->action = c->action;
	/* Own copies: an NSS call below may reuse the buffer behind a getpwent entry. */
	if (snprintf(name, sizeof(name), "%s", pwp->pw_name) >= (int)sizeof(name))
		return -ENAMETOOLONG;
	/* The whole field: a truncated copy would lose an address at its end. */
	if (!(gecos = strdup(pwp->pw_gecos ? pwp->pw_gecos : "")))
		return -ENOMEM;
	pw.pw_name = name;
	pw.pw_gecos = gecos;
	snprintf(r->user, sizeof(r->user), "%s", name);
	/* 2. Exempt. */
	if (bg_list_contains(&c->exempt_users, pw.pw_name)) {
		r->verdict = BG_V_EXEMPT;
		r->why = "listed in exempt_users";
		goto out;
	}
	if ((unsigned long)pw.pw_uid < c->min_uid) {
		r->verdict = BG_V_EXEMPT;
		r->why = "uid below min_uid";
		goto out;
	}
	{
		bool hit;

		if ((rc = in_exempt_group(c, &pw, &hit, ctx->log)) != 0)
			goto out;
		if (hit) {
			r->verdict = BG_V_EXEMPT;
			r->why = "member of an exempt group";
			goto out;
		}
	}
	/* 3. In an active advisory? */
	ids = calloc(1, sizeof(*ids));
	if (!ids) {
		rc = -ENOMEM;
		goto out;
	}
	if ((rc = bg_account_identities(c, &pw, ids, ctx->log)) != 0)
		goto out;
	{
		struct lookup l = {ids, pw.pw_name, r, {0}, {0}, {0}};

		/* A damaged store ends the lookup, not the process (session.h). */
		rc = bg_ctx_guard(ctx, lookup_job, &l);
		free(l.seen.v);
		free(l.got.v);
		dues = l.dues;
		if (rc != 0)
			goto out;
	}
	if (r->n_adv == 0) {
		r->verdict = BG_V_CLEAR;
		goto out;
	}
	/* 4. Rotation evidence after T. */
	if ((rc = ctx->shadow(ctx->shadow_arg, pw.pw_name, &sh)) != 0) {
		bg_log(ctx->log, LOG_ERR, "reading the shadow entry of %s: %s", pw.pw_name,
		       strerror(-rc));
		goto out;
	}
	r->shadow_found = sh.found;
	/* An empty hash ("passwd -d") is no rotation: it proves nothing about the
	 * exposed password except that any password now works.  Neither its
	 * fingerprint nor the last-change day it set count; it stays enforced. */
	empty = sh.found && sh.hash[0] == '\0';
	r->shadow_empty = empty;
	if (sh.found && password_usable(sh.hash) && !empty) {
		if ((rc = bg_hmac_digest(ctx->hmac, "fp", sh.hash, strlen(sh.hash), fp)) != 0)
			goto out;
		fp_valid = true;
	}
	if (r->rotation.rotated_at > 0 && r->rotation.rotated_at >= r->exposure) {
		r->verdict = BG_V_ROTATED;
		r->why = "rotation recorded after the exposure";
		goto out;
	}
	if (sh.found && !empty && sh.lastchg > 0 && sh.lastchg > r->exposure / DAY) {
		r->verdict = BG_V_ROTATED;
		r->why = "password changed after the exposure day";
		goto out;
	}
	if (fp_valid && r->rotation.fp_exposure == r->exposure && r->rotation.fp_recorded > 0) {
		if (memcmp(fp, r->rotation.fingerprint, BG_DIGEST_LEN) != 0) {
			r->verdict = BG_V_ROTATED;
			r->why = "password changed since enforcement began";
			goto out;
		}
		r->fp_unchanged = true;
	}
	/* The match is recorded once for each advisory (an edit of GECOS must not
	 * clear the account), with the fingerprint below when there is one. */
	for (size_t i = 0; i < r->n_cur && !r->record_fp; i++) {
		bool known = false;

		for (size_t j = 0; j < r->rotation.n_matched && !known; j++)
			known = r->rotation.matched[j] == r->cur[i];
		if (!known) {
			r->record_fp = true;
			r->fp_record = r->rotation;
		}
	}
	if (r->record_fp) {
		r->fp_record.n_matched = r->n_cur;
		memcpy(r->fp_record.matched, r->cur, r->n_cur * sizeof(r->cur[0]));
	}
	/* 5. No usable password: forcing a change would lock the user out. */
	if (sh.found && !password_usable(sh.hash)) {
		r->verdict = BG_V_NO_PASSWORD;
		goto out;
	}
	/* Enforcement begins here: remember the hash once for this exposure. */
	if (fp_valid && (r->rotation.fp_exposure != r->exposure || r->rotation.fp_recorded == 0)) {
		if (!r->record_fp) {
			r->fp_record = r->rotation;
			r->fp_record.n_matched = r->n_cur;
			memcpy(r->fp_record.matched, r->cur, r->n_cur * sizeof(r->cur[0]));
		}
		r->record_fp = true;
		r->fp_record.fp_exposure = r->exposure;
		r->fp_record.fp_recorded = (int64_t)ctx->now;
		memcpy(r->fp_record.fingerprint, fp, BG_DIGEST_LEN);
	}
	/* 6. The change cannot succeed yet (minimum age). */
	if (sh.found && sh.min > 0 && sh.lastchg > 0 && sh.lastchg + sh.min > today) {
		r->verdict = BG_V_CHANGE_BLOCKED;
		r->blocked_until = (int64_t)(sh.lastchg + sh.min) * DAY;
		goto out;
	}
	/* 7. Grace: each advisory's own, counted from its import; the earliest
	 * end among those no rotation answers.  A newer advisory with a long
	 * grace gives no reprieve to an account an older one already enforces. */
	grace_until = INT64_MAX;
	for (size_t i = 0; i < dues.n; i++) {
		const struct due *d = &dues.v[i];
		int64_t until;

		if ((r->rotation.rotated_at > 0 && r->rotation.rotated_at >= d->t) ||
		    (sh.found && !empty && sh.lastchg > 0 && sh.lastchg > d->t / DAY))
			continue; /* changed after this one's exposure */
		until = d->imported +
			(int64_t)(d->grace >= 0 ? (unsigned)d->grace : c->grace_days) * DAY;
		if (until < grace_until)
			grace_until = until;
	}
	if (grace_until != INT64_MAX && (int64_t)ctx->now < grace_until) {
		r->verdict = BG_V_GRACE;
		r->grace_until = grace_until;
		goto out;
	}
	/* 8. Enforce; the service's action decides the PAM result. */
	r->verdict = BG_V_ENFORCE;
out:
	bg_wipe(sh.hash, sizeof(sh.hash));
	bg_wipe(fp, sizeof(fp));
	free(dues.v);
	if (ids)
		bg_identities_free(ids);
	free(ids);
	free(gecos);
	return rc;
}
