/* test_verdict.c: the verdict's steps 1-8 with an injected shadow source and
 * clock, against a real store in a temporary directory.  The account under test
 * is root with exempt_users and min_uid cleared, so no fake NSS is needed. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "identity.h"
#include "t.h"
#include "verdict.h"

#define DAY 86400
static const long now_day = 20000; /* 2024-10-04 */

struct fake_shadow {
	int found;
	long lastchg, min;
	const char *hash;
	int fail;
};

static int fake_shadow_fn(void *arg, const char *user, struct bg_shadow *out)
{
	struct fake_shadow *f = arg;

	(void)user;
	memset(out, 0, sizeof(*out));
	if (f->fail)
		return -EIO;
	out->found = f->found;
	out->lastchg = f->lastchg;
	out->min = f->min;
	snprintf(out->hash, sizeof(out->hash), "%s", f->hash ? f->hash : "");
	return 0;
}

static char dir[256];
static struct bg_config cfg;

/* Adds an advisory holding `identity`, exposed at published (or imported). */
static uint32_t add_advisory(const char *name, const char *identity, int64_t published,
			     int64_t imported, int32_t grace)
{
	unsigned char key[BG_KEY_LEN], d[BG_DIGEST_LEN];
	struct bg_store *st = NULL;
	struct bg_hmac *h = NULL;
	struct bg_txn *t = NULL;
	struct bg_advisory a;

	memset(&a, 0, sizeof(a));
	snprintf(a.name, sizeof(a.name), "%s", name);
	a.published = published;
	a.imported = imported;
	a.grace_days = grace;
	T_EQ_INT(bg_key_load(cfg.key_file, key, NULL), 0);
	T_EQ_INT(bg_store_open(&st, cfg.store, key, BG_STORE_GROW, 0, NULL), 0);
	T_EQ_INT(bg_hmac_new(&h, key, NULL), 0);
	T_EQ_INT(bg_hmac_digest(h, "id", identity, strlen(identity), d), 0);
	T_EQ_INT(bg_txn_begin(st, true, &t), 0);
	bg_advisory_put(t, &a);
	T_CHECK(bg_exposure_add(t, d, a.id) >= 0);
	a.count = 1;
	bg_advisory_put(t, &a);
	T_EQ_INT(bg_txn_commit(t), 0);
	bg_hmac_free(h);
	bg_store_close(st);
	return a.id;
}

static void forget(uint32_t id)
{
	unsigned char key[BG_KEY_LEN];
	struct bg_store *st = NULL;
	struct bg_txn *t = NULL;
	uint64_t n;

	T_EQ_INT(bg_key_load(cfg.key_file, key, NULL), 0);
	T_EQ_INT(bg_store_open(&st, cfg.store, key, BG_STORE_GROW, 0, NULL), 0);
	T_EQ_INT(bg_txn_begin(st, true, &t), 0);
	T_EQ_INT(bg_advisory_delete(t, id, &n), 0);
	bg_rotation_delete(t, "root");
	T_EQ_INT(bg_txn_commit(t), 0);
	bg_store_close(st);
}

static enum bg_verdict verdict_with(struct fake_shadow *fs, struct bg_result *r)
{
	struct bg_ctx ctx;
	int rc;

	bg_ctx_init(&ctx, &cfg, NULL, BG_STORE_RDONLY);
	ctx.now = (time_t)(now_day * DAY + 36000);
	ctx.shadow = fake_shadow_fn;
	ctx.shadow_arg = fs;
	rc = bg_verdict(&ctx, "root", r);
	bg_ctx_close(&ctx);
	T_EQ_INT(rc, 0);
	return rc ? (enum bg_verdict) - 1 : r->verdict;
}

/* What the module does when enforcement begins. */
static void record_fp(const struct bg_result *r)
{
	struct bg_ctx ctx;
	struct bg_txn *t = NULL;

	bg_ctx_init(&ctx, &cfg, NULL, 0);
	T_EQ_INT(bg_ctx_open(&ctx), 0);
	T_EQ_INT(bg_txn_begin(ctx.store, true, &t), 0);
	bg_rotation_put(t, "root", &r->fp_record);
	T_EQ_INT(bg_txn_commit(t), 0);
	bg_ctx_close(&ctx);
}

int main(void)
{
	struct fake_shadow fs = {1, now_day - 400, 0, "$y$j9T$salt$hash1", 0};
	struct bg_result r;
	uint32_t id;
	char tmpl[] = "/tmp/bg-test-verdict-XXXXXX";

	snprintf(dir, sizeof(dir), "%s", mkdtemp(tmpl));
	bg_config_defaults(&cfg);
	snprintf(cfg.store, sizeof(cfg.store), "%s/store", dir);
	snprintf(cfg.key_file, sizeof(cfg.key_file), "%s/key", dir);
	bg_list_add(&cfg.domains, "example.com", 11);
	cfg.exempt_users.n = cfg.exempt_users.used = 0;
	cfg.min_uid = 0;
	T_EQ_INT(bg_key_create(cfg.key_file, NULL), 0);
	{
		unsigned char key[BG_KEY_LEN];
		struct bg_store *st = NULL;

		T_EQ_INT(bg_key_load(cfg.key_file, key, NULL), 0);
		T_EQ_INT(
		    bg_store_open(&st, cfg.store, key, BG_STORE_CREATE | BG_STORE_GROW, 0, NULL),
		    0);
		bg_store_close(st);
	}

	/* Unknown to NSS. */
	{
		struct bg_ctx ctx;

		bg_ctx_init(&ctx, &cfg, NULL, BG_STORE_RDONLY);
		T_EQ_INT(bg_verdict(&ctx, "no-such-user-bg", &r), 0);
		T_EQ_INT(r.verdict, BG_V_NOT_OURS);
		bg_ctx_close(&ctx);
	}
	/* Exemptions. */
	cfg.min_uid = 1;
	T_EQ_INT(verdict_with(&fs, &r), BG_V_EXEMPT);
	cfg.min_uid = 0;
	bg_list_add(&cfg.exempt_users, "root", 4);
	T_EQ_INT(verdict_with(&fs, &r), BG_V_EXEMPT);
	cfg.exempt_users.n = cfg.exempt_users.used = 0;
	bg_list_add(&cfg.exempt_groups, "root", 4);
	T_EQ_INT(verdict_with(&fs, &r), BG_V_EXEMPT);
	cfg.exempt_groups.n = cfg.exempt_groups.used = 0;

	/* 3. in no advisory */
	T_EQ_INT(verdict_with(&fs, &r), BG_V_CLEAR);

	/* Exposed 10 days ago (published date); password older: enforce. */
	id = add_advisory("a1", "root@example.com", (now_day - 10) * DAY, now_day * DAY, -1);
	T_EQ_INT(verdict_with(&fs, &r), BG_V_ENFORCE);
	T_EQ_INT(r.n_adv, 1);
	T_EQ_STR(r.adv[0].name, "a1");
	T_EQ_INT(r.exposure, (now_day - 10) * DAY);
	T_CHECK(r.record_fp);

	/* 4. shadow's last change a day after the exposure day: rotated. */
	fs.lastchg = now_day - 9;
	T_EQ_INT(verdict_with(&fs, &r), BG_V_ROTATED);
	/* ... the same day is not enough. */
	fs.lastchg = now_day - 10;
	T_EQ_INT(verdict_with(&fs, &r), BG_V_ENFORCE);
	/* "must change" (0) is not a change. */
	fs.lastchg = 0;
	T_EQ_INT(verdict_with(&fs, &r), BG_V_ENFORCE);
	fs.lastchg = now_day - 400;

	/* 5. locked password: no-password (never forced: it would lock the user out). */
	fs.hash = "!$y$j9T$salt$hash1";
	T_EQ_INT(verdict_with(&fs, &r), BG_V_NO_PASSWORD);
	fs.hash = "*";
	T_EQ_INT(verdict_with(&fs, &r), BG_V_NO_PASSWORD);
	fs.hash = "$y$j9T$salt$hash1";
	/* A directory user (no shadow entry) is enforced. */
	fs.found = 0;
	T_EQ_INT(verdict_with(&fs, &r), BG_V_ENFORCE);
	/* No fingerprint to take, but the match is recorded (issue 10 item 4). */
	T_CHECK(r.record_fp);
	T_EQ_INT(r.fp_record.fp_recorded, 0);
	T_EQ_INT(r.fp_record.n_matched, 1);
	fs.found = 1;

	/* 6. minimum age not reached: change-blocked. */
	fs.lastchg = now_day - 11;
	fs.min = 30;
	T_EQ_INT(verdict_with(&fs, &r), BG_V_CHANGE_BLOCKED);
	T_EQ_INT(r.blocked_until, (now_day - 11 + 30) * DAY);
	fs.min = 5;
	T_EQ_INT(verdict_with(&fs, &r), BG_V_ENFORCE);
	fs.min = 0;
	fs.lastchg = now_day - 400;

	/* Same-day change: the fingerprint recorded when enforcement began differs. */
	forget(id);
	id = add_advisory("today", "root@example.com", -1, now_day * DAY + 60, -1);
	fs.lastchg = now_day; /* changed today, maybe before: not evidence on its own */
	T_EQ_INT(verdict_with(&fs, &r), BG_V_ENFORCE);
	T_CHECK(r.record_fp);
	record_fp(&r);
	T_EQ_INT(verdict_with(&fs, &r), BG_V_ENFORCE);
	T_CHECK(!r.record_fp); /* written once per exposure */
	T_CHECK(r.fp_unchanged);
	{
		struct bg_ctx ctx;

		bg_ctx_init(&ctx, &cfg, NULL, 0);
		ctx.now = (time_t)(now_day * DAY + 3600);
		ctx.shadow = fake_shadow_fn;
		ctx.shadow_arg = &fs;
		/* The password stack saw no change (failed retype): nothing recorded. */
		T_EQ_INT(bg_record_rotation(&ctx, "root", BG_ROT_PASSWORD), -EALREADY);
		bg_ctx_close(&ctx);
	}
	fs.hash = "$y$j9T$salt$hash2"; /* chpasswd the same day */
	T_EQ_INT(verdict_with(&fs, &r), BG_V_ROTATED);
	T_EQ_STR(r.why, "password changed since enforcement began");

	/* A rotation record after T. */
	fs.hash = "$y$j9T$salt$hash1";
	{
		struct bg_ctx ctx;

		bg_ctx_init(&ctx, &cfg, NULL, 0);
		ctx.now = (time_t)(now_day * DAY + 7200);
		ctx.shadow = fake_shadow_fn;
		ctx.shadow_arg = &fs;
		T_EQ_INT(bg_record_rotation(&ctx, "root", BG_ROT_ADMIN), 1);
		bg_ctx_close(&ctx);
	}
	T_EQ_INT(verdict_with(&fs, &r), BG_V_ROTATED);
	T_EQ_INT(r.rotation.how, BG_ROT_ADMIN);
	/* A newer advisory makes the old rotation stale: enforce again. */
	add_advisory("later", "user:root", -1, now_day * DAY + 8000, -1);
	T_EQ_INT(verdict_with(&fs, &r), BG_V_ENFORCE);
	T_EQ_INT(r.n_adv, 2);
	T_EQ_INT(r.exposure, now_day * DAY + 8000);

	/* 7. grace from the advisory's import. */
	add_advisory("graced", "root@example.com", -1, now_day * DAY + 8500, 3);
	T_EQ_INT(verdict_with(&fs, &r), BG_V_GRACE);
	T_EQ_INT(r.grace_until, now_day * DAY + 8500 + 3 * DAY);

	/* A failing shadow source is an error for on_error, not a verdict. */
	fs.fail = 1;
	{
		struct bg_ctx ctx;

		bg_ctx_init(&ctx, &cfg, NULL, BG_STORE_RDONLY);
		ctx.shadow = fake_shadow_fn;
		ctx.shadow_arg = &fs;
		T_EQ_INT(bg_verdict(&ctx, "root", &r), -EIO);
		bg_ctx_close(&ctx);
	}
	{
		char cmd[400];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		T_EQ_INT(system(cmd), 0);
	}
	return t_done("test_verdict");
}
