/* test_verdict.c: the verdict's steps 1-8 with an injected shadow source and
 * clock, against a real store in a temporary directory (vsetup.h).  The
 * account under test is root with exempt_users and min_uid cleared, so no fake
 * NSS is needed.  Each case starts from an empty store. */
#include "identity.h"
#include "vsetup.h"

/* Removes an advisory (its exposures go with it) and root's rotation record. */
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

/* An advisory exposed 10 days ago (published date), a password 400 days old. */
static struct fake_shadow exposed_10_days_ago(uint32_t *id)
{
	struct fake_shadow fs = {1, now_day - 400, 0, "$y$j9T$salt$hash1", 0};
	uint32_t got =
	    vs_add_advisory("a1", "root@example.com", (now_day - 10) * DAY, now_day * DAY, -1);

	if (id)
		*id = got;
	return fs;
}

/* 1. Unknown to NSS: not ours. */
static void unknown_to_nss(void)
{
	struct bg_result r;
	struct bg_ctx ctx;

	vs_begin("verdict", 0);
	bg_ctx_init(&ctx, &cfg, NULL, BG_STORE_RDONLY);
	T_EQ_INT(bg_verdict(&ctx, "no-such-user-bg", &r), 0);
	T_EQ_INT(r.verdict, BG_V_NOT_OURS);
	bg_ctx_close(&ctx);
	vs_end();
}

/* 2. Exempt by min_uid, exempt_users, exempt_groups; 3. clear otherwise. */
static void exemptions_then_clear(void)
{
	struct fake_shadow fs = {1, now_day - 400, 0, "$y$j9T$salt$hash1", 0};
	struct bg_result r;

	vs_begin("verdict", 0);
	cfg.min_uid = 1;
	T_EQ_INT(vs_verdict(&fs, &r), BG_V_EXEMPT);
	cfg.min_uid = 0;
	bg_list_add(&cfg.exempt_users, "root", 4);
	T_EQ_INT(vs_verdict(&fs, &r), BG_V_EXEMPT);
	cfg.exempt_users.n = cfg.exempt_users.used = 0;
	bg_list_add(&cfg.exempt_groups, "root", 4);
	T_EQ_INT(vs_verdict(&fs, &r), BG_V_EXEMPT);
	cfg.exempt_groups.n = cfg.exempt_groups.used = 0;
	/* 3. in no advisory */
	T_EQ_INT(vs_verdict(&fs, &r), BG_V_CLEAR);
	vs_end();
}

/* 4. Exposed, password older: enforce; shadow's last change a day after the
 * exposure day: rotated; the same day or "must change" (0) is not. */
static void enforce_until_changed_a_day_later(void)
{
	uint32_t id;
	struct fake_shadow fs;
	struct bg_result r;

	vs_begin("verdict", 0);
	fs = exposed_10_days_ago(&id);
	T_EQ_INT(vs_verdict(&fs, &r), BG_V_ENFORCE);
	T_EQ_INT(r.n_adv, 1);
	T_EQ_STR(r.adv[0].name, "a1");
	T_EQ_INT(r.exposure, (now_day - 10) * DAY);
	T_CHECK(r.record_fp);
	fs.lastchg = now_day - 9;
	T_EQ_INT(vs_verdict(&fs, &r), BG_V_ROTATED);
	fs.lastchg = now_day - 10;
	T_EQ_INT(vs_verdict(&fs, &r), BG_V_ENFORCE);
	fs.lastchg = 0;
	T_EQ_INT(vs_verdict(&fs, &r), BG_V_ENFORCE);
	/* Forgetting the advisory ends it. */
	forget(id);
	T_EQ_INT(vs_verdict(&fs, &r), BG_V_CLEAR);
	vs_end();
}

/* 5. A locked or disabled password: no-password (never forced: it would lock
 * the user out).  A directory user (no shadow entry) is enforced. */
static void no_password(void)
{
	struct fake_shadow fs;
	struct bg_result r;

	vs_begin("verdict", 0);
	fs = exposed_10_days_ago(NULL);
	fs.hash = "!$y$j9T$salt$hash1";
	T_EQ_INT(vs_verdict(&fs, &r), BG_V_NO_PASSWORD);
	fs.hash = "*";
	T_EQ_INT(vs_verdict(&fs, &r), BG_V_NO_PASSWORD);
	fs.hash = "$y$j9T$salt$hash1";
	fs.found = 0;
	T_EQ_INT(vs_verdict(&fs, &r), BG_V_ENFORCE);
	/* No fingerprint to take, but the match is recorded (issue 10 item 4). */
	T_CHECK(r.record_fp);
	T_EQ_INT(r.fp_record.fp_recorded, 0);
	T_EQ_INT(r.fp_record.n_matched, 1);
	vs_end();
}

/* 6. The minimum age not reached: change-blocked, until when it is. */
static void change_blocked(void)
{
	struct fake_shadow fs;
	struct bg_result r;

	vs_begin("verdict", 0);
	fs = exposed_10_days_ago(NULL);
	fs.lastchg = now_day - 11;
	fs.min = 30;
	T_EQ_INT(vs_verdict(&fs, &r), BG_V_CHANGE_BLOCKED);
	T_EQ_INT(r.blocked_until, (now_day - 11 + 30) * DAY);
	fs.min = 5;
	T_EQ_INT(vs_verdict(&fs, &r), BG_V_ENFORCE);
	vs_end();
}

/* An advisory imported today (no published date) after a change today. */
static struct fake_shadow exposed_today(void)
{
	struct fake_shadow fs = {1, now_day, 0, "$y$j9T$salt$hash1", 0};

	vs_add_advisory("today", "root@example.com", -1, now_day * DAY + 60, -1);
	return fs;
}

/* Same-day change: the fingerprint recorded when enforcement began differs.
 * The password stack seeing the same hash (a failed change) records nothing. */
static void same_day_change_by_fingerprint(void)
{
	struct fake_shadow fs;
	struct bg_result r;
	struct bg_ctx ctx;

	vs_begin("verdict", 0);
	fs = exposed_today(); /* changed today, maybe before: not evidence on its own */
	T_EQ_INT(vs_verdict(&fs, &r), BG_V_ENFORCE);
	T_CHECK(r.record_fp);
	record_fp(&r);
	T_EQ_INT(vs_verdict(&fs, &r), BG_V_ENFORCE);
	T_CHECK(!r.record_fp); /* written once per exposure */
	T_CHECK(r.fp_unchanged);
	vs_ctx(&ctx, &fs, 0, (time_t)(now_day * DAY + 3600));
	T_EQ_INT(bg_record_rotation(&ctx, "root", BG_ROT_PASSWORD), -EALREADY);
	bg_ctx_close(&ctx);
	fs.hash = "$y$j9T$salt$hash2"; /* chpasswd the same day */
	T_EQ_INT(vs_verdict(&fs, &r), BG_V_ROTATED);
	T_EQ_STR(r.why, "password changed since enforcement began");
	vs_end();
}

/* A rotation record after T: rotated; a newer advisory makes it stale. */
static void rotation_record_until_a_newer_advisory(void)
{
	struct fake_shadow fs;
	struct bg_result r;
	struct bg_ctx ctx;

	vs_begin("verdict", 0);
	fs = exposed_today();
	vs_ctx(&ctx, &fs, 0, (time_t)(now_day * DAY + 7200));
	T_EQ_INT(bg_record_rotation(&ctx, "root", BG_ROT_ADMIN), 1);
	bg_ctx_close(&ctx);
	T_EQ_INT(vs_verdict(&fs, &r), BG_V_ROTATED);
	T_EQ_INT(r.rotation.how, BG_ROT_ADMIN);
	vs_add_advisory("later", "user:root", -1, now_day * DAY + 8000, -1);
	T_EQ_INT(vs_verdict(&fs, &r), BG_V_ENFORCE);
	T_EQ_INT(r.n_adv, 2);
	T_EQ_INT(r.exposure, now_day * DAY + 8000);
	vs_end();
}

/* 7. Grace, counted from the advisory's import, with its own grace days. */
static void grace_from_import(void)
{
	struct fake_shadow fs;
	struct bg_result r;

	vs_begin("verdict", 0);
	fs = (struct fake_shadow){1, now_day, 0, "$y$j9T$salt$hash1", 0};
	vs_add_advisory("graced", "root@example.com", -1, now_day * DAY + 8500, 3);
	T_EQ_INT(vs_verdict(&fs, &r), BG_V_GRACE);
	T_EQ_INT(r.grace_until, now_day * DAY + 8500 + 3 * DAY);
	vs_end();
}

/* 7. Each advisory's own grace, the earliest end among those no change
 * answers: a newer advisory with a long grace gives no reprieve to an account
 * an older one already enforces (a red team's finding). */
static void grace_no_reprieve(void)
{
	struct fake_shadow fs = {1, now_day - 400, 0, "$y$j9T$salt$hash1", 0};
	struct bg_result r;

	vs_begin("verdict", 0);
	vs_add_advisory("old", "root@example.com", (now_day - 10) * DAY, (now_day - 10) * DAY, 0);
	T_EQ_INT(vs_verdict(&fs, &r), BG_V_ENFORCE);
	vs_add_advisory("new", "root@example.com", -1, now_day * DAY, 30);
	T_EQ_INT(vs_verdict(&fs, &r), BG_V_ENFORCE);
	/* changed after the old one's exposure, not the new one's: its grace */
	fs.lastchg = now_day - 5;
	T_EQ_INT(vs_verdict(&fs, &r), BG_V_GRACE);
	T_EQ_INT(r.grace_until, now_day * DAY + 30 * DAY);
	vs_end();
}

/* A failing shadow source is an error for on_error, not a verdict. */
static void shadow_failure_is_an_error(void)
{
	struct fake_shadow fs;
	struct bg_result r;
	struct bg_ctx ctx;

	vs_begin("verdict", 0);
	fs = exposed_today();
	fs.fail = 1;
	vs_ctx(&ctx, &fs, BG_STORE_RDONLY, time(NULL));
	T_EQ_INT(bg_verdict(&ctx, "root", &r), -EIO);
	bg_ctx_close(&ctx);
	vs_end();
}

int main(int argc, char **argv)
{
	t_init(argc, argv);
	T_RUN(unknown_to_nss);
	T_RUN(exemptions_then_clear);
	T_RUN(enforce_until_changed_a_day_later);
	T_RUN(no_password);
	T_RUN(change_blocked);
	T_RUN(same_day_change_by_fingerprint);
	T_RUN(rotation_record_until_a_newer_advisory);
	T_RUN(grace_from_import);
	T_RUN(grace_no_reprieve);
	T_RUN(shadow_failure_is_an_error);
	return t_done("test_verdict");
}
