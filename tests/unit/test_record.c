/* test_record.c: the store's on-disk record layouts, byte for byte.  The
 * expected bytes below were written by hand from the layouts of the store
 * before its records had a codec (store.c's hand offsets, schema 1) and
 * checked against that code: a store made by any earlier version must read
 * the same, and its digest (recsum.c) must not move. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lmdb.h>

#include "record.h"
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

/* ---- the codec alone ------------------------------------------------------ */

static void encodes_to(const struct bg_rec_layout *L, const void *s, const unsigned char *want,
		       size_t wlen)
{
	unsigned char buf[BG_REC_MAX];
	size_t n = 0;

	T_EQ_INT(bg_rec_encode(L, s, buf, sizeof(buf), &n), 0);
	T_EQ_BYTES(L->name, buf, n, want, wlen);
}

static void case_advisory_codec(void)
{
	struct bg_advisory a, back;
	uint32_t id = 0x01020304, id_back = 0;

	known_advisory(&a);
	encodes_to(&bg_rec_advisory, &a, adv_val_bytes, sizeof(adv_val_bytes));
	T_EQ_INT(bg_rec_decode(&bg_rec_advisory, adv_val_bytes, sizeof(adv_val_bytes), &back), 0);
	T_EQ_INT(memcmp(&back, &a, sizeof(a)), 0);
	known_advisory2(&a);
	encodes_to(&bg_rec_advisory, &a, adv2_val_bytes, sizeof(adv2_val_bytes));
	T_EQ_INT(bg_rec_decode(&bg_rec_advisory, adv2_val_bytes, sizeof(adv2_val_bytes), &back), 0);
	T_EQ_INT(back.published, -1);
	T_EQ_INT(back.grace_days, 30);
	T_EQ_INT(memcmp(&back, &a, sizeof(a)), 0);
	/* The key, and an exposure's value: big-endian. */
	encodes_to(&bg_rec_adv_id, &id, adv_key_bytes, sizeof(adv_key_bytes));
	T_EQ_INT(bg_rec_decode(&bg_rec_adv_id, exp_val_bytes, sizeof(exp_val_bytes), &id_back), 0);
	T_EQ_INT(id_back, 0x01020304);
}

static void case_rotation_codec(void)
{
	struct bg_rotation r, back;
	unsigned char buf[BG_REC_MAX];
	size_t n;

	known_rotation(&r);
	encodes_to(&bg_rec_rotation, &r, rot_val_bytes, sizeof(rot_val_bytes));
	T_EQ_INT(bg_rec_decode(&bg_rec_rotation, rot_val_bytes, sizeof(rot_val_bytes), &back), 0);
	T_EQ_INT(memcmp(&back, &r, sizeof(r)), 0);
	known_rotation2(&r);
	encodes_to(&bg_rec_rotation, &r, rot2_val_bytes, sizeof(rot2_val_bytes));
	T_EQ_INT(bg_rec_decode(&bg_rec_rotation, rot2_val_bytes, sizeof(rot2_val_bytes), &back), 0);
	T_EQ_INT(back.n_matched, 0);
	T_EQ_INT(memcmp(&back, &r, sizeof(r)), 0);
	/* More matched ids than the record holds: the first BG_ROT_MATCHED. */
	known_rotation(&r);
	r.n_matched = BG_ROT_MATCHED + 5;
	T_EQ_INT(bg_rec_encode(&bg_rec_rotation, &r, buf, sizeof(buf), &n), 0);
	T_EQ_INT(n, 41 + 4 * BG_ROT_MATCHED);
	T_EQ_INT(bg_rec_decode(&bg_rec_rotation, buf, n, &back), 0);
	T_EQ_INT(back.n_matched, BG_ROT_MATCHED);
	T_EQ_INT(back.matched[1], 0x01020304);
}

static void case_meta_codec(void)
{
	static const unsigned char schema[4] = {0x01, 0, 0, 0};
	static const unsigned char count[8] = {0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01};
	uint32_t version = BG_SCHEMA_VERSION, v32 = 0;
	uint64_t n = 0x0102030405060708ULL, v64 = 0;
	unsigned char d[BG_RECSUM_LEN], dback[BG_RECSUM_LEN];

	encodes_to(&bg_rec_meta_u32, &version, schema, sizeof(schema));
	T_EQ_INT(bg_rec_decode(&bg_rec_meta_u32, schema, sizeof(schema), &v32), 0);
	T_EQ_INT(v32, 1);
	encodes_to(&bg_rec_meta_u64, &n, count, sizeof(count));
	T_EQ_INT(bg_rec_decode(&bg_rec_meta_u64, count, sizeof(count), &v64), 0);
	T_CHECK(v64 == n);
	for (int i = 0; i < BG_RECSUM_LEN; i++)
		d[i] = (unsigned char)(0xc0 + i);
	encodes_to(&bg_rec_meta_digest, d, d, sizeof(d));
	T_EQ_INT(bg_rec_decode(&bg_rec_meta_digest, d, sizeof(d), dback), 0);
	T_EQ_BYTES("digest back", dback, sizeof(dback), d, sizeof(d));
}

/* What the decoders before the codec refused, it refuses: every length but
 * the layout's, a name longer than the member, a tail of part elements. */
static void case_decode_refuses(void)
{
	unsigned char buf[BG_REC_MAX + 8];
	struct bg_advisory a;
	struct bg_rotation r;
	uint32_t id;
	uint64_t v64;

	memset(buf, 0, sizeof(buf));
	memcpy(buf, adv_val_bytes, sizeof(adv_val_bytes));
	for (size_t n = 0; n < sizeof(adv_val_bytes); n++)
		T_EQ_INT(bg_rec_decode(&bg_rec_advisory, buf, n, &a), -EBADMSG);
	T_EQ_INT(bg_rec_decode(&bg_rec_advisory, buf, sizeof(adv_val_bytes) + 1, &a), -EBADMSG);
	buf[64] = BG_NAME_MAX; /* a name that would not fit the member, bytes present */
	T_EQ_INT(bg_rec_decode(&bg_rec_advisory, buf, 66 + BG_NAME_MAX, &a), -EBADMSG);
	buf[64] = BG_NAME_MAX - 1; /* the longest that fits */
	memset(buf + 66, 'n', BG_NAME_MAX - 1);
	T_EQ_INT(bg_rec_decode(&bg_rec_advisory, buf, 66 + BG_NAME_MAX - 1, &a), 0);
	T_EQ_INT(strlen(a.name), BG_NAME_MAX - 1);

	memset(buf, 0, sizeof(buf));
	memcpy(buf, rot_val_bytes, sizeof(rot_val_bytes));
	for (size_t n = 0; n < 41; n++)
		T_EQ_INT(bg_rec_decode(&bg_rec_rotation, buf, n, &r), -EBADMSG);
	for (size_t n = 42; n < 45; n++)
		T_EQ_INT(bg_rec_decode(&bg_rec_rotation, buf, n, &r), -EBADMSG);
	T_EQ_INT(bg_rec_decode(&bg_rec_rotation, buf, 41 + 4 * BG_ROT_MATCHED, &r), 0);
	T_EQ_INT(bg_rec_decode(&bg_rec_rotation, buf, 41 + 4 * (BG_ROT_MATCHED + 1), &r), -EBADMSG);

	T_EQ_INT(bg_rec_decode(&bg_rec_adv_id, buf, 3, &id), -EBADMSG);
	T_EQ_INT(bg_rec_decode(&bg_rec_adv_id, buf, 5, &id), -EBADMSG);
	T_EQ_INT(bg_rec_decode(&bg_rec_meta_u64, buf, 7, &v64), -EBADMSG);
	T_EQ_INT(v64, 0); /* zeroed: a caller that logs it shows 0 */
}

static void case_encode_refuses(void)
{
	unsigned char buf[BG_REC_MAX];
	struct bg_advisory a;
	size_t n = 99;

	known_advisory(&a);
	T_EQ_INT(bg_rec_encode(&bg_rec_advisory, &a, buf, sizeof(adv_val_bytes) - 1, &n),
		 -EOVERFLOW);
	T_EQ_INT(n, 0);
	memset(a.name, 'n', sizeof(a.name)); /* not terminated */
	T_EQ_INT(bg_rec_encode(&bg_rec_advisory, &a, buf, sizeof(buf), &n), -EINVAL);
}

/* Every table is sound: fields inside their struct, integers of a C size,
 * a variable field only last, and the largest record fits BG_REC_MAX. */
static void case_layouts_sound(void)
{
	const struct bg_rec_layout *all[] = {&bg_rec_advisory, &bg_rec_rotation,
					     &bg_rec_adv_id,   &bg_rec_meta_u32,
					     &bg_rec_meta_u64, &bg_rec_meta_digest};

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		const struct bg_rec_layout *L = all[i];

		T_CHECK(bg_rec_max(L) <= BG_REC_MAX);
		for (size_t j = 0; j < L->n_fields; j++) {
			const struct bg_rec_field *f = &L->fields[j];
			bool last = j + 1 == L->n_fields;

			T_CHECK(f->off + f->size <= L->size);
			T_CHECK(f->order == BG_REC_LE || f->order == BG_REC_BE);
			switch (f->kind) {
			case BG_REC_UINT:
			case BG_REC_SINT:
				T_CHECK(f->width == f->size);
				T_CHECK(f->size == 1 || f->size == 2 || f->size == 4 ||
					f->size == 8);
				break;
			case BG_REC_BYTES:
				T_CHECK(f->width == f->size);
				break;
			case BG_REC_STR:
				T_CHECK(last && f->width >= 1 && f->width <= 2);
				break;
			case BG_REC_ARRAY:
				T_CHECK(last && f->size % f->width == 0);
				T_CHECK(f->width == 1 || f->width == 2 || f->width == 4 ||
					f->width == 8);
				T_CHECK(f->count_off + sizeof(size_t) <= L->size);
				break;
			default:
				T_CHECK(0 && "a field of an unknown kind");
			}
			for (size_t k = 0; k < j; k++)
				T_CHECK(L->fields[k].off != f->off);
		}
	}
	T_EQ_INT(bg_rec_max(&bg_rec_advisory), 66 + BG_NAME_MAX - 1);
	T_EQ_INT(bg_rec_max(&bg_rec_rotation), 41 + 4 * BG_ROT_MATCHED);
}

/* ---- through the store -------------------------------------------------- */

struct seen {
	int adv, exp, rot, forgot;
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
	case 'f':
		s->forgot++;
		T_CHECK(kl > 46 && memcmp(k, "forgot", 6) == 0);
		T_EQ_INT(vl, 8);
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

/* A new store in tmpl/store holding the known records: both advisories, the
 * exposure, alice's rotation and bob's (the old layout). */
static struct bg_store *known_store(char *tmpl, char *sdir, size_t sdirlen)
{
	struct bg_store *st = NULL;
	struct bg_txn *t = NULL;
	struct bg_advisory a, a2;
	struct bg_rotation r, r2;

	T_CHECK(mkdtemp(tmpl) != NULL);
	snprintf(sdir, sdirlen, "%s/store", tmpl);
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
	return st;
}

static void case_store_bytes(void)
{
	char tmpl[] = "/tmp/bg-test-record-XXXXXX", sdir[200], cmd[300];
	unsigned char sum[BG_RECSUM_LEN], got[BG_RECSUM_LEN], kid[BG_KEY_ID_LEN];
	struct bg_store *st = NULL;
	struct bg_txn *t = NULL;
	struct bg_advisory a, a2, back;
	struct bg_rotation r, r2, rback;
	struct seen seen = {0, 0, 0, 0};

	st = known_store(tmpl, sdir, sizeof(sdir));
	known_advisory(&a);
	known_advisory2(&a2);
	known_rotation(&r);
	known_rotation2(&r2);

	T_EQ_INT(bg_txn_begin(st, false, &t), 0);
	T_EQ_INT(bg_store_digest_walk(t, sum, NULL, walk_rec, &seen), 0);
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

/* Deletes keep the store digest too: after forget and reset the recorded
 * digest is the walk's, and with nothing left it is all zero again. */
static void case_digest_follows_deletes(void)
{
	char tmpl[] = "/tmp/bg-test-record-XXXXXX", sdir[200], cmd[300];
	unsigned char sum[BG_RECSUM_LEN], got[BG_RECSUM_LEN], zero[BG_RECSUM_LEN] = {0};
	struct bg_store *st = NULL;
	struct bg_txn *t = NULL;
	struct bg_advisory a, a2;
	struct bg_rotation r;
	uint64_t removed = 0;

	st = known_store(tmpl, sdir, sizeof(sdir));
	known_advisory(&a);
	known_advisory2(&a2);
	known_rotation(&r);
	T_EQ_INT(bg_txn_begin(st, true, &t), 0);
	T_EQ_INT(bg_rotation_put(t, "alice", &r), 0); /* again: the old one out first */
	T_EQ_INT(bg_advisory_delete(t, a.id, &removed), 0);
	T_EQ_INT(removed, 1);
	T_EQ_INT(bg_advisory_delete(t, 99, &removed), -ENOENT);
	T_EQ_INT(bg_rotation_delete(t, "nobody"), 0);
	T_EQ_INT(bg_txn_error(t), 0);
	T_EQ_INT(bg_txn_commit(t), 0);
	T_EQ_INT(bg_txn_begin(st, false, &t), 0);
	T_EQ_INT(bg_store_digest_walk(t, sum, NULL, NULL, NULL), 0);
	T_EQ_INT(bg_store_digest_get(t, got), 0);
	T_EQ_BYTES("digest after forget", got, sizeof(got), sum, sizeof(sum));
	bg_txn_abort(t);
	T_EQ_INT(bg_txn_begin(st, true, &t), 0);
	T_EQ_INT(bg_rotation_delete(t, "alice"), 0);
	T_EQ_INT(bg_rotation_delete(t, "bob"), 0);
	T_EQ_INT(bg_advisory_delete(t, a2.id, &removed), 0);
	T_EQ_INT(bg_txn_commit(t), 0);
	T_EQ_INT(bg_txn_begin(st, false, &t), 0);
	T_EQ_INT(bg_store_digest_get(t, got), 0);
	T_EQ_BYTES("digest of an empty store", got, sizeof(got), zero, sizeof(zero));
	bg_txn_abort(t);
	bg_store_close(st);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
	T_EQ_INT(system(cmd), 0);
}

/* forget's records are under the store digest (a replay is refused while
 * one is there): each put and delete keeps the recorded digest the walk's,
 * and their part of it (meta "digest_forgot") the walk's too; the tables'
 * part is what it was without them, and a store that never had one has no
 * key of theirs and the digest it had before they were digested. */
static void case_digest_covers_forget_records(void)
{
	char tmpl[] = "/tmp/bg-test-record-XXXXXX", sdir[200], cmd[300];
	unsigned char sum[BG_RECSUM_LEN], fsum[BG_RECSUM_LEN], got[BG_RECSUM_LEN],
	    fgot[BG_RECSUM_LEN], zero[BG_RECSUM_LEN] = {0}, tables[BG_RECSUM_LEN];
	struct bg_store *st = NULL;
	struct bg_txn *t = NULL;
	struct bg_advisory a, a2;
	struct seen seen = {0, 0, 0, 0};
	int64_t when = 0;

	st = known_store(tmpl, sdir, sizeof(sdir));
	known_advisory(&a);
	known_advisory2(&a2);
	T_EQ_INT(bg_txn_begin(st, false, &t), 0);
	T_EQ_INT(bg_store_forgot_digest_get(t, fgot), -ENOENT);
	T_EQ_INT(bg_store_digest_walk(t, sum, fsum, NULL, NULL), 0);
	T_EQ_BYTES("no forget record: their part", fsum, sizeof(fsum), zero, sizeof(zero));
	T_EQ_BYTES("no forget record: the digest as before", sum, sizeof(sum), golden_digest,
		   sizeof(golden_digest));
	bg_txn_abort(t);

	T_EQ_INT(bg_txn_begin(st, true, &t), 0);
	T_EQ_INT(bg_forgotten_put(t, &a, 1700000000), 0);
	T_EQ_INT(bg_forgotten_put(t, &a2, 1700000001), 0);
	T_EQ_INT(bg_txn_commit(t), 0);
	T_EQ_INT(bg_txn_begin(st, false, &t), 0);
	T_EQ_INT(bg_store_digest_walk(t, sum, fsum, walk_rec, &seen), 0);
	T_EQ_INT(seen.forgot, 2);
	T_EQ_INT(seen.adv, 2);
	T_EQ_INT(bg_store_digest_get(t, got), 0);
	T_EQ_INT(bg_store_forgot_digest_get(t, fgot), 0);
	T_EQ_BYTES("forget records put: digest = walk", got, sizeof(got), sum, sizeof(sum));
	T_EQ_BYTES("forget records put: their part = walk", fgot, sizeof(fgot), fsum, sizeof(fsum));
	T_CHECK(memcmp(fsum, zero, sizeof(zero)) != 0);
	for (int i = 0; i < BG_RECSUM_LEN; i++)
		tables[i] = sum[i] ^ fsum[i];
	T_EQ_BYTES("forget records put: the tables' part", tables, sizeof(tables), golden_digest,
		   sizeof(golden_digest));
	T_EQ_INT(bg_store_check_record(st, 'f', "forgot", 6, "\0\0\0\0\0\0\0\1", 8, NULL) != NULL,
		 1);
	bg_txn_abort(t);

	/* Replaced (a forget again), then one deleted (import --again). */
	T_EQ_INT(bg_txn_begin(st, true, &t), 0);
	T_EQ_INT(bg_forgotten_put(t, &a, 1700000500), 0);
	T_EQ_INT(bg_forgotten_del(t, &a2), 0);
	T_EQ_INT(bg_forgotten_del(t, &a2), -ENOENT);
	T_EQ_INT(bg_txn_commit(t), 0);
	T_EQ_INT(bg_txn_begin(st, false, &t), 0);
	T_EQ_INT(bg_forgotten_get(t, &a, &when), 0);
	T_EQ_INT(when, 1700000500);
	T_EQ_INT(bg_store_digest_walk(t, sum, fsum, NULL, NULL), 0);
	T_EQ_INT(bg_store_digest_get(t, got), 0);
	T_EQ_INT(bg_store_forgot_digest_get(t, fgot), 0);
	T_EQ_BYTES("replaced, deleted: digest = walk", got, sizeof(got), sum, sizeof(sum));
	T_EQ_BYTES("replaced, deleted: their part = walk", fgot, sizeof(fgot), fsum, sizeof(fsum));
	bg_txn_abort(t);

	/* The last one gone: the digest is the tables' alone again. */
	T_EQ_INT(bg_txn_begin(st, true, &t), 0);
	T_EQ_INT(bg_forgotten_del(t, &a), 0);
	T_EQ_INT(bg_txn_commit(t), 0);
	T_EQ_INT(bg_txn_begin(st, false, &t), 0);
	T_EQ_INT(bg_store_digest_get(t, got), 0);
	T_EQ_INT(bg_store_forgot_digest_get(t, fgot), 0);
	T_EQ_BYTES("none left: the digest as before", got, sizeof(got), golden_digest,
		   sizeof(golden_digest));
	T_EQ_BYTES("none left: their part", fgot, sizeof(fgot), zero, sizeof(zero));
	bg_txn_abort(t);
	bg_store_close(st);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
	T_EQ_INT(system(cmd), 0);
}

int main(int argc, char **argv)
{
	t_init(argc, argv);
	memset(key, 7, sizeof(key));
	T_RUN(case_advisory_codec);
	T_RUN(case_rotation_codec);
	T_RUN(case_meta_codec);
	T_RUN(case_decode_refuses);
	T_RUN(case_encode_refuses);
	T_RUN(case_layouts_sound);
	T_RUN(case_store_bytes);
	T_RUN(case_digest_follows_deletes);
	T_RUN(case_digest_covers_forget_records);
	return t_done("test_record");
}
