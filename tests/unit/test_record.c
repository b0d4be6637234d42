/* test_record.c: the store's on-disk record layouts, byte for byte.  The
 * expected bytes below were written by hand from the layouts of the store
 * before its records had a codec (store.c's hand offsets, schema 1) and
 * checked against that code: a store made by any earlier version must read
 * the same, and its digest (recsum.c) must not move. */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lmdb.h>

#include "recsum.h"
#include "store.h"
#include "t.h"

static unsigned char key[BG_KEY_LEN];

/* Fails (naming the record) and prints both byte strings when they differ. */
#define T_EQ_BYTES(what, got, glen, want, wlen) t_eq_bytes(__LINE__, what, got, glen, want, wlen)

static void t_hex(const char *label, const unsigned char *p, size_t n)
{
	fprintf(stderr, "  %s (%zu):", label, n);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "%s%02x", i % 16 ? " " : "\n    ", p[i]);
	fprintf(stderr, "\n");
}

static void t_eq_bytes(int line, const char *what, const void *got, size_t glen, const void *want,
		       size_t wlen)
{
	t_run++;
	if (glen == wlen && memcmp(got, want, wlen) == 0)
		return;
	t_failed++;
	fprintf(stderr, "%s:%d: [%s] FAIL: %s: bytes differ\n", __FILE__, line,
		t_case_name ? t_case_name : "", what);
	t_hex("got", got, glen);
	t_hex("want", want, wlen);
}

/* ---- the known records and their bytes ---------------------------------- */

static void known_advisory(struct bg_advisory *a)
{
	memset(a, 0, sizeof(*a));
	a->id = 0x01020304;
	snprintf(a->name, sizeof(a->name), "dump-1");
	a->published = 1700000000;
	a->imported = 1700086400;
	a->count = 0x0102030405060708ULL;
	for (int i = 0; i < 32; i++)
		a->source_sha256[i] = (unsigned char)(0xa0 + i);
	a->grace_days = -1;
}

static const unsigned char adv_key_bytes[4] = {0x01, 0x02, 0x03, 0x04}; /* id, big-endian */
static const unsigned char adv_val_bytes[66 + 6] = {
    0x04, 0x03, 0x02, 0x01,			    /* id, little-endian */
    0x00, 0xf1, 0x53, 0x65, 0x00, 0x00, 0x00, 0x00, /* published 1700000000 */
    0x80, 0x42, 0x55, 0x65, 0x00, 0x00, 0x00, 0x00, /* imported 1700086400 */
    0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, /* count */
    0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, /* source_sha256 */
    0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf, /* */
    0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, /* */
    0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf, /* */
    0xff, 0xff, 0xff, 0xff,			    /* grace_days -1 */
    0x06, 0x00,					    /* name length */
    'd',  'u',	'm',  'p',  '-',  '1',		    /* name, no NUL */
};

/* An advisory with no published day and its own grace: signed fields. */
static void known_advisory2(struct bg_advisory *a)
{
	memset(a, 0, sizeof(*a));
	a->id = 7;
	snprintf(a->name, sizeof(a->name), "x");
	a->published = -1;
	a->imported = 1700086400;
	a->count = 1;
	a->grace_days = 30;
}

static const unsigned char adv2_key_bytes[4] = {0, 0, 0, 7};
static const unsigned char adv2_val_bytes[66 + 1] = {
    0x07, 0x00, 0x00, 0x00,			    /* id */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* published -1 */
    0x80, 0x42, 0x55, 0x65, 0x00, 0x00, 0x00, 0x00, /* imported */
    0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* count */
    0,	  0,	0,    0,    0,	  0,	0,    0,    /* source_sha256 */
    0,	  0,	0,    0,    0,	  0,	0,    0,    /* */
    0,	  0,	0,    0,    0,	  0,	0,    0,    /* */
    0,	  0,	0,    0,    0,	  0,	0,    0,    /* */
    0x1e, 0x00, 0x00, 0x00,			    /* grace_days 30 */
    0x01, 0x00,					    /* name length */
    'x',					    /* name */
};

static void known_rotation(struct bg_rotation *r)
{
	memset(r, 0, sizeof(*r));
	r->rotated_at = 1700000000;
	r->how = BG_ROT_ADMIN;
	r->fp_exposure = 1690000000;
	r->fp_recorded = 1699990000;
	for (int i = 0; i < BG_DIGEST_LEN; i++)
		r->fingerprint[i] = (unsigned char)(0x10 + i);
	r->n_matched = 3;
	r->matched[0] = 1;
	r->matched[1] = 0x01020304;
	r->matched[2] = 0xfffffffe;
}

static const unsigned char rot_val_bytes[41 + 12] = {
    0x00, 0xf1, 0x53, 0x65, 0x00, 0x00, 0x00, 0x00, /* rotated_at 1700000000 */
    0x02,					    /* how: admin */
    0x80, 0x5a, 0xbb, 0x64, 0x00, 0x00, 0x00, 0x00, /* fp_exposure 1690000000 */
    0xf0, 0xc9, 0x53, 0x65, 0x00, 0x00, 0x00, 0x00, /* fp_recorded 1699990000 */
    0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, /* fingerprint */
    0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, /* */
    0x01, 0x00, 0x00, 0x00,			    /* matched[0] = 1, little-endian */
    0x04, 0x03, 0x02, 0x01,			    /* matched[1] */
    0xfe, 0xff, 0xff, 0xff,			    /* matched[2] */
};

/* A rotation with no matched advisories: the layout before issue 10 item 4. */
static void known_rotation2(struct bg_rotation *r)
{
	memset(r, 0, sizeof(*r));
	r->rotated_at = 1700000000;
	r->how = BG_ROT_OBSERVED;
}

static const unsigned char rot2_val_bytes[41] = {
    0x00, 0xf1, 0x53, 0x65, 0x00, 0x00, 0x00, 0x00, /* rotated_at */
    0x03,					    /* how: observed */
    0,	  0,	0,    0,    0,	  0,	0,    0,    /* fp_exposure */
    0,	  0,	0,    0,    0,	  0,	0,    0,    /* fp_recorded */
    0,	  0,	0,    0,    0,	  0,	0,    0,    /* fingerprint */
    0,	  0,	0,    0,    0,	  0,	0,    0,    /* */
};

static const unsigned char exp_digest[BG_DIGEST_LEN] = {0xd0, 1, 2,  3,	 4,  5,	 6,  7,
							8,    9, 10, 11, 12, 13, 14, 15};
static const unsigned char exp_val_bytes[4] = {0x01, 0x02, 0x03, 0x04}; /* id, big-endian */

/* The store digest of the store case_store_bytes makes (key 0x07 * 32), as the
 * code before the codec computed it. */
static const unsigned char golden_digest[BG_RECSUM_LEN] = {
    0x16, 0x91, 0xef, 0x67, 0x27, 0x85, 0x9c, 0x9d, 0xf2, 0xf7, 0xa9, 0x1c, 0x5f, 0xec, 0x68, 0x4c};

/* ---- through the store -------------------------------------------------- */

struct seen {
	int adv, exp, rot;
};

static int walk_rec(void *arg, char tag, const void *k, size_t kl, const void *v, size_t vl)
{
	struct seen *s = arg;

	switch (tag) {
	case 'a':
		if (s->adv++ == 0) { /* key order: id 7 first */
			T_EQ_BYTES("advisory 2 key", k, kl, adv2_key_bytes, sizeof(adv2_key_bytes));
			T_EQ_BYTES("advisory 2 value", v, vl, adv2_val_bytes,
				   sizeof(adv2_val_bytes));
			break;
		}
		T_EQ_BYTES("advisory key", k, kl, adv_key_bytes, sizeof(adv_key_bytes));
		T_EQ_BYTES("advisory value", v, vl, adv_val_bytes, sizeof(adv_val_bytes));
		break;
	case 'e':
		s->exp++;
		T_EQ_BYTES("exposure key", k, kl, exp_digest, sizeof(exp_digest));
		T_EQ_BYTES("exposure value", v, vl, exp_val_bytes, sizeof(exp_val_bytes));
		break;
	case 'r':
		s->rot++;
		T_EQ_INT(kl, BG_DIGEST_LEN); /* HMAC of the name */
		if (vl == sizeof(rot2_val_bytes))
			T_EQ_BYTES("rotation 2 value", v, vl, rot2_val_bytes,
				   sizeof(rot2_val_bytes));
		else
			T_EQ_BYTES("rotation value", v, vl, rot_val_bytes, sizeof(rot_val_bytes));
		break;
	}
	return 0;
}

static void meta_bytes(const char *sdir, const char *name, const void *want, size_t wlen)
{
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_dbi dbi;
	MDB_val k = {strlen(name), (void *)name}, v = {0, NULL};

	T_EQ_INT(mdb_env_create(&env), 0);
	mdb_env_set_maxdbs(env, 8);
	T_EQ_INT(mdb_env_open(env, sdir, MDB_RDONLY, 0600), 0);
	T_EQ_INT(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
	T_EQ_INT(mdb_dbi_open(txn, "meta", 0, &dbi), 0);
	T_EQ_INT(mdb_get(txn, dbi, &k, &v), 0);
	T_EQ_BYTES(name, v.mv_data, v.mv_size, want, wlen);
	mdb_txn_abort(txn);
	mdb_env_close(env);
}

static void case_store_bytes(void)
{
	char tmpl[] = "/tmp/bg-test-record-XXXXXX", sdir[200], cmd[300];
	unsigned char sum[BG_RECSUM_LEN], got[BG_RECSUM_LEN], kid[BG_KEY_ID_LEN];
	struct bg_store *st = NULL;
	struct bg_txn *t = NULL;
	struct bg_advisory a, a2, back;
	struct bg_rotation r, r2, rback;
	struct seen seen = {0, 0, 0};

	T_CHECK(mkdtemp(tmpl) != NULL);
	snprintf(sdir, sizeof(sdir), "%s/store", tmpl);
	T_EQ_INT(bg_store_open(&st, sdir, key, BG_STORE_CREATE | BG_STORE_GROW, 0, NULL), 0);
	known_advisory(&a);
	known_advisory2(&a2);
	known_rotation(&r);
	known_rotation2(&r2);
	T_EQ_INT(bg_txn_begin(st, true, &t), 0);
	T_EQ_INT(bg_advisory_put(t, &a), 0);
	T_EQ_INT(bg_advisory_put(t, &a2), 0);
	T_EQ_INT(bg_rotation_put(t, "bob", &r2), 0);
	T_EQ_INT(bg_exposure_add(t, exp_digest, a.id), BG_EXP_NEW_IDENTITY);
	T_EQ_INT(bg_rotation_put(t, "alice", &r), 0);
	T_EQ_INT(bg_txn_commit(t), 0);

	T_EQ_INT(bg_txn_begin(st, false, &t), 0);
	T_EQ_INT(bg_store_digest_walk(t, sum, walk_rec, &seen), 0);
	T_EQ_INT(seen.adv, 2);
	T_EQ_INT(seen.exp, 1);
	T_EQ_INT(seen.rot, 2);
	T_EQ_INT(bg_store_digest_get(t, got), 0);
	T_EQ_BYTES("store digest (meta) = walk", got, sizeof(got), sum, sizeof(sum));
	T_EQ_BYTES("store digest", sum, sizeof(sum), golden_digest, sizeof(golden_digest));
	/* And back. */
	T_EQ_INT(bg_advisory_get(t, a.id, &back), 0);
	T_EQ_INT(memcmp(&back, &a, sizeof(a)), 0);
	T_EQ_INT(bg_rotation_get(t, "alice", &rback), 0);
	T_EQ_INT(memcmp(&rback, &r, sizeof(r)), 0);
	T_EQ_INT(bg_advisory_get(t, a2.id, &back), 0);
	T_EQ_INT(memcmp(&back, &a2, sizeof(a2)), 0);
	T_EQ_INT(bg_rotation_get(t, "bob", &rback), 0);
	T_EQ_INT(memcmp(&rback, &r2, sizeof(r2)), 0);
	bg_txn_abort(t);
	bg_store_close(st);

	{
		static const unsigned char schema[4] = {0x01, 0x00, 0x00, 0x00};
		static const unsigned char one[8] = {0x01, 0, 0, 0, 0, 0, 0, 0};

		meta_bytes(sdir, "schema", schema, sizeof(schema));
		meta_bytes(sdir, "identities", one, sizeof(one));
		meta_bytes(sdir, "digest", sum, sizeof(sum));
		T_EQ_INT(bg_key_id(key, kid, NULL), 0);
		meta_bytes(sdir, "key_id", kid, sizeof(kid));
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
	T_EQ_INT(system(cmd), 0);
}

int main(int argc, char **argv)
{
	t_init(argc, argv);
	memset(key, 7, sizeof(key));
	T_RUN(case_store_bytes);
	return t_done("test_record");
}
