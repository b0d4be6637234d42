/* vsetup.h: the verdict tests' set-up (test_verdict, test_trust_a,
 * test_trust_store): a fresh key and store in a temporary directory for each
 * case, a config whose account under test is root (exempt_users and min_uid
 * cleared, so no fake NSS is needed), an injected shadow source and clock,
 * and advisories written straight into the store. */
#ifndef BG_VSETUP_H
#define BG_VSETUP_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "t.h"
#include "verdict.h"

#define DAY 86400
static const long now_day = 20000; /* 2024-10-04 */
/* The clock of vs_ctx() and vs_verdict(): 10:00 on now_day. */
#define VS_NOW ((time_t)(now_day * DAY + 36000))

/* What the injected shadow source answers for every user. */
struct fake_shadow {
	int found;
	long lastchg, min;
	const char *hash;
	int fail; /* answer -EIO */
};

static inline int fake_shadow_fn(void *arg, const char *user, struct bg_shadow *out)
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

static char vs_dir[256];
static struct bg_config cfg;

/* A fresh directory with a key and an empty store (map_size 0: the default;
 * BG_STORE_GROW unless a map size is given, as a small test store has it). */
static inline void vs_begin(const char *name, size_t map_size)
{
	unsigned char key[BG_KEY_LEN];
	struct bg_store *st = NULL;
	unsigned flags = BG_STORE_CREATE | (map_size ? 0u : (unsigned)BG_STORE_GROW);

	snprintf(vs_dir, sizeof(vs_dir), "/tmp/bg-test-%s-XXXXXX", name);
	T_CHECK(mkdtemp(vs_dir) != NULL);
	bg_config_defaults(&cfg);
	snprintf(cfg.store, sizeof(cfg.store), "%s/store", vs_dir);
	snprintf(cfg.key_file, sizeof(cfg.key_file), "%s/key", vs_dir);
	bg_list_add(&cfg.domains, "example.com", 11);
	cfg.exempt_users.n = cfg.exempt_users.used = 0;
	cfg.min_uid = 0;
	T_EQ_INT(bg_key_create(cfg.key_file, NULL), 0);
	T_EQ_INT(bg_key_load(cfg.key_file, key, NULL), 0);
	T_EQ_INT(bg_store_open(&st, cfg.store, key, flags, map_size, NULL), 0);
	bg_store_close(st);
}

static inline void vs_end(void)
{
	char cmd[400];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", vs_dir);
	T_EQ_INT(system(cmd), 0);
}

/* Adds an advisory holding `identity`, exposed at published (or imported);
 * returns its id. */
static inline uint32_t vs_add_advisory(const char *name, const char *identity, int64_t published,
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

/* A context as the module's would be, with the fake shadow source and clock. */
static inline void vs_ctx(struct bg_ctx *ctx, struct fake_shadow *fs, unsigned flags, time_t now)
{
	bg_ctx_init(ctx, &cfg, NULL, flags);
	ctx->now = now;
	ctx->shadow = fake_shadow_fn;
	ctx->shadow_arg = fs;
}

/* root's verdict at VS_NOW (-1 when it fails). */
static inline enum bg_verdict vs_verdict(struct fake_shadow *fs, struct bg_result *r)
{
	struct bg_ctx ctx;
	int rc;

	vs_ctx(&ctx, fs, BG_STORE_RDONLY, VS_NOW);
	rc = bg_verdict(&ctx, "root", r);
	bg_ctx_close(&ctx);
	T_EQ_INT(rc, 0);
	return rc ? (enum bg_verdict) - 1 : r->verdict;
}

#endif
