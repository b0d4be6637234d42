/* test_trust_a.c: issue 10 items 5 and 6 at the verdict and config level, with
 * an injected shadow source against a real store (the account under test is
 * root, exempt_users and min_uid cleared, as in test_verdict.c).
 *   5: an empty hash ("passwd -d") is no rotation, by any evidence;
 *   6: config words do not change under tr_TR.UTF-8. */
#include <errno.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ascii.h"
#include "identity.h"
#include "t.h"
#include "verdict.h"

#define DAY 86400

static const long now_day = 20000;
static char dir[256];
static struct bg_config cfg;

struct fake_shadow {
	long lastchg;
	const char *hash;
};

static int fake_shadow_fn(void *arg, const char *user, struct bg_shadow *out)
{
	struct fake_shadow *f = arg;

	(void)user;
	memset(out, 0, sizeof(*out));
	out->found = true;
	out->lastchg = f->lastchg;
	out->min = 0;
	snprintf(out->hash, sizeof(out->hash), "%s", f->hash);
	return 0;
}

static void add_advisory(const char *name, const char *identity, int64_t published)
{
	unsigned char key[BG_KEY_LEN], d[BG_DIGEST_LEN];
	struct bg_store *st = NULL;
	struct bg_hmac *h = NULL;
	struct bg_txn *t = NULL;
	struct bg_advisory a;

	memset(&a, 0, sizeof(a));
	snprintf(a.name, sizeof(a.name), "%s", name);
	a.published = published;
	a.imported = published;
	a.grace_days = -1;
	T_EQ_INT(bg_key_load(cfg.key_file, key, NULL), 0);
	T_EQ_INT(bg_store_open(&st, cfg.store, key, BG_STORE_GROW, 0, NULL), 0);
	T_EQ_INT(bg_hmac_new(&h, key, NULL), 0);
	T_EQ_INT(bg_hmac_digest(h, "id", identity, strlen(identity), d), 0);
	T_EQ_INT(bg_txn_begin(st, true, &t), 0);
	bg_advisory_put(t, &a);
	T_CHECK(bg_exposure_add(t, d, a.id) >= 0);
	T_EQ_INT(bg_txn_commit(t), 0);
	bg_hmac_free(h);
	bg_store_close(st);
}

static void ctx_for(struct bg_ctx *ctx, struct fake_shadow *fs, unsigned flags)
{
	bg_ctx_init(ctx, &cfg, NULL, flags);
	ctx->now = (time_t)(now_day * DAY + 36000);
	ctx->shadow = fake_shadow_fn;
	ctx->shadow_arg = fs;
}

static enum bg_verdict verdict_with(struct fake_shadow *fs, struct bg_result *r)
{
	struct bg_ctx ctx;
	int rc;

	ctx_for(&ctx, fs, BG_STORE_RDONLY);
	rc = bg_verdict(&ctx, "root", r);
	bg_ctx_close(&ctx);
	T_EQ_INT(rc, 0);
	return rc ? (enum bg_verdict) - 1 : r->verdict;
}

static void test_empty_hash(void)
{
	struct fake_shadow fs = {now_day - 400, "$y$j9T$salt$hash1"};
	struct bg_result r;
	struct bg_ctx ctx;

	add_advisory("a-empty", "root@example.com", (now_day - 10) * DAY);
	T_EQ_INT(verdict_with(&fs, &r), BG_V_ENFORCE);
	T_CHECK(r.record_fp);
	/* The fingerprint of the exposed hash, as the module records it. */
	ctx_for(&ctx, &fs, 0);
	T_EQ_INT(bg_ctx_writable(&ctx), 0);
	T_EQ_INT(bg_rotation_write(ctx.store, "root", &r.fp_record), 0);
	bg_ctx_close(&ctx);
	/* passwd -d: the hash is now empty and the last change is today, a day
	 * after the exposure: neither is a rotation. */
	fs.hash = "";
	fs.lastchg = now_day;
	T_EQ_INT(verdict_with(&fs, &r), BG_V_ENFORCE);
	T_CHECK(r.shadow_empty);
	T_CHECK(!r.record_fp);
	/* ... and the password stack records none either. */
	ctx_for(&ctx, &fs, 0);
	T_EQ_INT(bg_record_rotation(&ctx, "root", BG_ROT_PASSWORD), -EALREADY);
	bg_ctx_close(&ctx);
	T_EQ_INT(verdict_with(&fs, &r), BG_V_ENFORCE);
	/* A real new password afterwards is one. */
	fs.hash = "$y$j9T$salt$hash2";
	T_EQ_INT(verdict_with(&fs, &r), BG_V_ROTATED);
}

/* Under tr_TR.UTF-8 (when this host has it: LOCPATH may name a private
 * copy) tolower('I') is 'I'.  Config words must read as in the C locale. */
static void test_turkish(void)
{
	struct bg_config c;
	char err[256];

	if (!setlocale(LC_ALL, "tr_TR.UTF-8")) {
		printf("test_trust_a: tr_TR.UTF-8 not available here; the Turkish case is "
		       "covered by tests/pam/run.sh and the e2e su test\n");
		return;
	}
	T_EQ_INT(bg_ascii_tolower('I'), 'i');
	T_EQ_INT(bg_ascii_strcasecmp("YES", "yes"), 0);
	T_CHECK(bg_ascii_strcasecmp("I", "i") == 0);
	bg_config_defaults(&c);
	T_EQ_INT(bg_config_set(&c, "gecos_email", "YES", err, sizeof(err)), 0);
	T_CHECK(c.gecos_email);
	T_EQ_INT(bg_config_set(&c, "fold_case", "Off", err, sizeof(err)), 0);
	T_CHECK(!c.fold_case);
	T_EQ_INT(bg_config_set(&c, "root_su", "enforce", err, sizeof(err)), 0);
	T_EQ_INT(c.root_su, BG_ROOT_SU_ENFORCE);
	T_EQ_INT(bg_config_set(&c, "root_su", "sometimes", err, sizeof(err)), -EINVAL);
	setlocale(LC_ALL, "C");
}

int main(void)
{
	char tmpl[] = "/tmp/bg-test-trust-a-XXXXXX";

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
	test_empty_hash();
	test_turkish();
	{
		char cmd[400];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		T_EQ_INT(system(cmd), 0);
	}
	return t_done("test_trust_a");
}
