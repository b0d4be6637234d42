/* test_bundle.c: signed bundles.  Every byte of a small bundle changed (two
 * ways) and every truncation is refused; another signer, another site key, a
 * newer version, an unsigned bundle are refused with their own message; an
 * import applies the management host's advisories exactly (dates, import
 * time, grace, digests), again is 0 new, and an advisory present with other
 * contents is an error that writes nothing.  A bundle changed between verify
 * and apply is refused by the apply. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle.h"
#include "cli.h"
#include "t.h"

static char dir[64];
static unsigned char key[BG_KEY_LEN], key2[BG_KEY_LEN];

static void digest_of(unsigned n, unsigned char d[BG_DIGEST_LEN])
{
	memset(d, 0, BG_DIGEST_LEN);
	for (int i = 0; i < 4; i++)
		d[i] = (unsigned char)(n >> (24 - 8 * i));
	d[15] = 0xa5;
}

static struct bg_store *new_store(const char *name, const unsigned char *k)
{
	char p[128];
	struct bg_store *st = NULL;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	T_EQ_INT(bg_store_open(&st, p, k, BG_STORE_CREATE | BG_STORE_GROW, 1u << 20, NULL), 0);
	return st;
}

static uint32_t add(struct bg_store *st, const char *name, int64_t published, unsigned from,
		    unsigned to, unsigned step)
{
	struct bg_advisory a;
	struct bg_txn *t = NULL;

	memset(&a, 0, sizeof(a));
	snprintf(a.name, sizeof(a.name), "%s", name);
	a.published = published;
	a.imported = 1700000000 + (int64_t)from;
	a.grace_days = (int32_t)(from % 7);
	memset(a.source_sha256, (int)from, 32);
	T_EQ_INT(bg_txn_begin(st, true, &t), 0);
	bg_advisory_put(t, &a);
	for (unsigned i = from; i < to; i += step) {
		unsigned char d[BG_DIGEST_LEN];

		digest_of(i, d);
		if (bg_exposure_add(t, d, a.id) > 0)
			a.count++;
	}
	bg_advisory_put(t, &a);
	T_EQ_INT(bg_txn_commit(t), 0);
	return a.id;
}

static size_t slurp(const char *path, unsigned char **buf)
{
	struct stat st;
	int fd = open(path, O_RDONLY);
	size_t n = 0;

	T_CHECK(fd >= 0 && fstat(fd, &st) == 0);
	*buf = malloc((size_t)st.st_size + 1);
	while (n < (size_t)st.st_size) {
		ssize_t r = read(fd, *buf + n, (size_t)st.st_size - n);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	return n;
}

/* A bundle as an unlinked file, for the parser. */
static int mem_fd(const unsigned char *b, size_t n)
{
	char p[128];
	int fd;

	snprintf(p, sizeof(p), "%s/t.bgb", dir);
	fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0600);
	unlink(p);
	if (n && write(fd, b, n) != (ssize_t)n)
		T_CHECK(0);
	return fd;
}

static int verify_bytes(const unsigned char *b, size_t n, const struct bg_bundle_site *site,
			const struct bg_trust *tr, char *err, size_t errlen)
{
	struct bg_bundle_info *info = malloc(sizeof(*info));
	int fd = mem_fd(b, n), rc;

	rc = bg_bundle_verify(fd, "t.bgb", site, tr, info, err, errlen);
	close(fd);
	free(info);
	return rc;
}

struct job {
	int fd;
	const struct bg_bundle_site *site;
	const struct bg_trust *tr;
	struct bg_bundle_info *info;
	struct bg_bundle_result res;
	char err[512];
};

static int job(struct bg_txn *t, void *arg)
{
	struct job *j = arg;

	return bg_bundle_apply(t, false, false, j->fd, "t.bgb", j->site, j->tr, j->info, &j->res,
			       j->err, sizeof(j->err));
}

/* verify + apply, as import does. */
static int import_bytes(struct bg_store *st, const unsigned char *b, size_t n,
			const struct bg_bundle_site *site, const struct bg_trust *tr, struct job *j)
{
	int rc;

	memset(j, 0, sizeof(*j));
	j->info = malloc(sizeof(*j->info));
	j->fd = mem_fd(b, n);
	j->site = site;
	j->tr = tr;
	rc = bg_bundle_verify(j->fd, "t.bgb", site, tr, j->info, j->err, sizeof(j->err));
	if (rc == 0)
		rc = bg_store_write(st, 1u << 20, job, j);
	close(j->fd);
	free(j->info);
	return rc;
}

static struct bg_store_stats stats(struct bg_store *st)
{
	struct bg_store_stats s;

	T_EQ_INT(bg_store_stats(st, &s), 0);
	return s;
}

/* What every case works on: the signing keys and the trust lists (tr trusts
 * sign.key, tr2 other.key), the management store with two advisories sharing
 * identities, and the bundle of both exported from it (b, n bytes).  Made
 * once, by the first case that runs. */
static struct {
	bool made;
	struct bg_store *mgmt;
	struct bg_trust tr, tr2;
	struct bg_bundle_info info;
	struct bg_bundle_site site, site2, nofold;
	unsigned char *b;
	size_t n;
	char sk[128], sk2[128], pub[140], out[128];
	uint32_t ids[2];
} fx;

static void fixture(void)
{
	struct bg_list paths;
	struct bg_txn *t = NULL;
	char err[1024], id[17];

	if (fx.made)
		return;
	fx.made = true;
	snprintf(dir, sizeof(dir), "/tmp/bg-test-bundle-XXXXXX");
	T_CHECK(mkdtemp(dir) != NULL);
	chmod(dir, 0700);
	memset(key, 7, sizeof(key));
	memset(key2, 9, sizeof(key2));
	T_EQ_INT(bg_key_id(key, fx.site.kid, NULL), 0);
	T_EQ_INT(bg_key_id(key2, fx.site2.kid, NULL), 0);
	fx.site.norm = (struct bg_norm_opts){.fold_case = true, .subaddress = "+"};
	fx.site2.norm = fx.site.norm;
	fx.nofold = fx.site;
	fx.nofold.norm.fold_case = false;
	snprintf(fx.sk, sizeof(fx.sk), "%s/sign.key", dir);
	snprintf(fx.sk2, sizeof(fx.sk2), "%s/other.key", dir);
	T_EQ_INT(bg_keygen(fx.sk, id, err, sizeof(err)), 0);
	T_EQ_INT(strlen(id), 16);
	T_EQ_INT(bg_keygen(fx.sk2, id, err, sizeof(err)), 0);
	memset(&paths, 0, sizeof(paths));
	snprintf(fx.pub, sizeof(fx.pub), "%s.pub", fx.sk);
	bg_list_add(&paths, fx.pub, strlen(fx.pub));
	T_EQ_INT(bg_trust_load(&fx.tr, &paths, err, sizeof(err)), 0);
	T_EQ_INT(fx.tr.n, 1);
	memset(&paths, 0, sizeof(paths));
	snprintf(fx.pub, sizeof(fx.pub), "%s.pub", fx.sk2);
	bg_list_add(&paths, fx.pub, strlen(fx.pub));
	T_EQ_INT(bg_trust_load(&fx.tr2, &paths, err, sizeof(err)), 0);

	fx.mgmt = new_store("mgmt", key);
	fx.ids[0] = add(fx.mgmt, "ProjectWEB", 1635724800, 0, 12, 1);
	fx.ids[1] = add(fx.mgmt, "second \"one\"", -1, 6, 30, 2);
	snprintf(fx.out, sizeof(fx.out), "%s/b.bgb", dir);
	T_EQ_INT(bg_txn_begin(fx.mgmt, false, &t), 0);
	T_EQ_INT(bg_bundle_export(t, fx.ids, 2, fx.sk, &fx.site, fx.out, NULL, &fx.info, err,
				  sizeof(err)),
		 0);
	bg_txn_abort(t);
	fx.n = slurp(fx.out, &fx.b);
}

/* Keys: 0600 / 0644, never overwritten; a private key is no public key. */
static void keys(void)
{
	struct bg_trust *tr3 = calloc(1, sizeof(*tr3));
	struct bg_list paths;
	struct stat s1, s2;
	char err[1024], id[17], pub[140];

	fixture();
	snprintf(pub, sizeof(pub), "%s.pub", fx.sk);
	T_CHECK(stat(fx.sk, &s1) == 0 && (s1.st_mode & 0777) == 0600);
	T_CHECK(stat(pub, &s2) == 0 && (s2.st_mode & 0777) == 0644);
	T_EQ_INT(bg_keygen(fx.sk, id, err, sizeof(err)), -EEXIST);
	T_CHECK(strstr(err, "refusing to overwrite") != NULL);
	memset(&paths, 0, sizeof(paths));
	bg_list_add(&paths, fx.sk, strlen(fx.sk));
	T_CHECK(bg_trust_load(tr3, &paths, err, sizeof(err)) != 0);
	T_CHECK(strstr(err, "not a PEM public key") != NULL);
	memset(&paths, 0, sizeof(paths));
	bg_list_add(&paths, fx.pub, strlen(fx.pub));
	T_EQ_INT(bg_trust_load(tr3, &paths, err, sizeof(err)), 0);
	free(tr3);
}

/* The header alone (a bundle on a pipe, before it is spooled): what verify
 * says of the first bytes, with the same message; a sound header passes. */
static void header_alone(void)
{
	struct bg_bundle_info *info = malloc(sizeof(*info));
	char err[1024], err2[1024];
	unsigned char *m;

	fixture();
	m = malloc(fx.n);
	for (size_t len = 0; len < BG_BUNDLE_HDR_LEN; len++) {
		T_CHECK(bg_bundle_header(fx.b, len, "t.bgb", &fx.site, &fx.tr, info, err,
					 sizeof(err)) != 0);
		T_EQ_INT(verify_bytes(fx.b, len, &fx.site, &fx.tr, err2, sizeof(err2)) != 0, 1);
		T_EQ_STR(err, err2);
	}
	T_EQ_INT(bg_bundle_header(fx.b, BG_BUNDLE_HDR_LEN, "t.bgb", &fx.site, &fx.tr, info, err,
				  sizeof(err)),
		 0);
	T_EQ_INT(info->n_adv, 2);
	T_EQ_INT(bg_bundle_header(fx.b, fx.n, "t.bgb", &fx.site, &fx.tr, info, err, sizeof(err)),
		 0);
	T_EQ_INT(bg_bundle_header(fx.b, fx.n, "t.bgb", &fx.site, &fx.tr2, info, err, sizeof(err)),
		 -EKEYREJECTED);
	T_CHECK(strstr(err, "not in trusted_keys") != NULL);
	T_EQ_INT(bg_bundle_header(fx.b, fx.n, "t.bgb", &fx.site2, &fx.tr, info, err, sizeof(err)),
		 -EKEYREJECTED);
	T_CHECK(strstr(err, "another site key") != NULL);
	/* Every byte of the header changed: what verify refuses for it, header
	 * refuses too, or leaves to verify (the signature covers it). */
	for (size_t i = 0; i < BG_BUNDLE_HDR_LEN; i++) {
		memcpy(m, fx.b, fx.n);
		m[i] ^= 0x01;
		if (bg_bundle_header(m, fx.n, "t.bgb", &fx.site, &fx.tr, info, err, sizeof(err)) !=
		    0) {
			T_CHECK(verify_bytes(m, fx.n, &fx.site, &fx.tr, err2, sizeof(err2)) != 0);
			T_EQ_STR(err, err2);
		}
	}
	free(m);
	free(info);
}

/* The management host's export: two advisories sharing identities. */
static void export(void)
{
	struct stat s;
	char err[1024];

	fixture();
	T_EQ_INT(fx.info.digests, 12 + 9); /* 0..11, and 6..28 even: 6, 8, 10 shared */
	T_EQ_INT(fx.info.adv[0].count, 12);
	T_EQ_INT(fx.info.adv[1].count, 12);
	T_CHECK(stat(fx.out, &s) == 0 && (s.st_mode & 0777) == 0644);
	T_CHECK(bg_bundle_magic(fx.b, fx.n));
	T_EQ_INT(verify_bytes(fx.b, fx.n, &fx.site, &fx.tr, err, sizeof(err)), 0);
}

static void refusals(void)
{
	const unsigned char *b;
	unsigned char *m, *longer;
	size_t n, refused = 0;
	char err[1024];

	fixture();
	b = fx.b;
	n = fx.n;
	/* Every byte changed, two ways: refused, each. */
	m = malloc(n);
	for (size_t i = 0; i < n; i++) {
		for (int x = 0; x < 2; x++) {
			memcpy(m, b, n);
			m[i] ^= x ? 0x80 : 0x01;
			if (verify_bytes(m, n, &fx.site, &fx.tr, err, sizeof(err)) != 0)
				refused++;
			else
				fprintf(stderr, "byte %zu ^%d accepted\n", i, x ? 0x80 : 1);
		}
	}
	T_EQ_INT(refused, 2 * n);
	/* Every truncation: refused. */
	refused = 0;
	for (size_t len = 0; len < n; len++)
		if (verify_bytes(b, len, &fx.site, &fx.tr, err, sizeof(err)) != 0)
			refused++;
	T_EQ_INT(refused, n);
	/* A byte more: refused. */
	longer = malloc(n + 1);
	memcpy(longer, b, n);
	longer[n] = '\n';
	T_CHECK(verify_bytes(longer, n + 1, &fx.site, &fx.tr, err, sizeof(err)) != 0);
	T_CHECK(strstr(err, "after the signature") != NULL);
	free(longer);
	/* Unsigned: ends after the end record. */
	T_CHECK(verify_bytes(b, n - 1 - BG_SIG_LEN, &fx.site, &fx.tr, err, sizeof(err)) != 0);
	T_CHECK(strstr(err, "not signed") != NULL);
	/* Signed by a key not trusted. */
	T_EQ_INT(verify_bytes(b, n, &fx.site, &fx.tr2, err, sizeof(err)), -EKEYREJECTED);
	T_CHECK(strstr(err, "not in trusted_keys") != NULL);
	/* Made under another site key. */
	T_EQ_INT(verify_bytes(b, n, &fx.site2, &fx.tr, err, sizeof(err)), -EKEYREJECTED);
	T_CHECK(strstr(err, "another site key") != NULL);
	/* Made under other settings: each difference refused, both named. */
	T_EQ_INT(verify_bytes(b, n, &fx.nofold, &fx.tr, err, sizeof(err)), -EKEYREJECTED);
	T_CHECK(strstr(err, "made with fold_case = yes, subaddress = + on the management") &&
		strstr(err, "says fold_case = no, subaddress = +"));
	{
		struct bg_bundle_site other = fx.site;

		other.norm.subaddress[0] = '\0';
		T_EQ_INT(verify_bytes(b, n, &other, &fx.tr, err, sizeof(err)), -EKEYREJECTED);
		T_CHECK(strstr(err, "says fold_case = yes, subaddress = none") != NULL);
		snprintf(other.norm.subaddress, sizeof(other.norm.subaddress), "+-");
		T_EQ_INT(verify_bytes(b, n, &other, &fx.tr, err, sizeof(err)), -EKEYREJECTED);
		/* The same separators in another order are the same setting. */
		snprintf(other.norm.subaddress, sizeof(other.norm.subaddress), "++");
		T_EQ_INT(verify_bytes(b, n, &other, &fx.tr, err, sizeof(err)), 0);
	}
	/* A newer format version, and the old one without the settings. */
	memcpy(m, b, n);
	m[9] = 3;
	T_EQ_INT(verify_bytes(m, n, &fx.site, &fx.tr, err, sizeof(err)), -EPROTONOSUPPORT);
	T_CHECK(strstr(err, "version 3") != NULL && strstr(err, "upgrade") != NULL);
	m[9] = 1;
	T_EQ_INT(verify_bytes(m, n, &fx.site, &fx.tr, err, sizeof(err)), -EPROTONOSUPPORT);
	T_CHECK(strstr(err, "version 1") && strstr(err, "export it again"));
	free(m);
}

/* Import on a host: exactly the management host's advisories, and again:
 * idempotent. */
static void import(void)
{
	struct bg_store *host;
	struct bg_txn *t = NULL;
	struct job j;

	fixture();
	host = new_store("host", key);
	(void)stats(host); /* a new store answers */
	T_EQ_INT(import_bytes(host, fx.b, fx.n, &fx.site, &fx.tr, &j), 0);
	T_EQ_INT(j.res.fresh, 21);
	T_EQ_INT(j.res.known, 0);
	T_CHECK(!j.res.existed[0] && !j.res.existed[1]);
	T_EQ_INT(stats(host).identities, 21);
	T_EQ_INT(stats(host).exposures, 24);
	T_EQ_INT(bg_txn_begin(host, false, &t), 0);
	for (int i = 0; i < 2; i++) {
		struct bg_advisory a, h;
		struct bg_txn *mt = NULL;

		T_EQ_INT(bg_txn_begin(fx.mgmt, false, &mt), 0);
		T_EQ_INT(bg_advisory_get(mt, fx.ids[i], &a), 0);
		bg_txn_abort(mt);
		T_EQ_INT(bg_advisory_find(t, a.name, &h), 0);
		T_EQ_INT(h.published, a.published);
		T_EQ_INT(h.imported, a.imported);
		T_EQ_INT(h.grace_days, a.grace_days);
		T_EQ_INT(h.count, a.count);
		T_CHECK(memcmp(h.source_sha256, a.source_sha256, 32) == 0);
	}
	{
		unsigned char d[BG_DIGEST_LEN];
		uint32_t got[4];
		size_t k;

		digest_of(8, d); /* in both */
		T_EQ_INT(bg_exposure_ids(t, d, got, 4, &k), 0);
		T_EQ_INT(k, 2);
		digest_of(7, d); /* odd: the first only */
		T_EQ_INT(bg_exposure_ids(t, d, got, 4, &k), 0);
		T_EQ_INT(k, 1);
		digest_of(29, d);
		T_EQ_INT(bg_exposure_ids(t, d, got, 4, &k), -ENOENT);
	}
	bg_txn_abort(t);
	T_EQ_INT(import_bytes(host, fx.b, fx.n, &fx.site, &fx.tr, &j), 0);
	T_EQ_INT(j.res.fresh, 0);
	T_EQ_INT(j.res.known, 21);
	T_CHECK(j.res.existed[0] && j.res.existed[1]);
	T_EQ_INT(stats(host).exposures, 24);
	T_EQ_INT(stats(host).advisories, 2);
	bg_store_close(host);
}

/* Conflicts: the same name with another date, or with other digests. */
static void conflicts(void)
{
	struct bg_store *other;
	struct bg_store_stats before;
	struct job j;

	fixture();
	other = new_store("other", key);
	add(other, "ProjectWEB", 1635724800 + 86400, 0, 12, 1);
	before = stats(other);
	T_EQ_INT(import_bytes(other, fx.b, fx.n, &fx.site, &fx.tr, &j), -EEXIST);
	T_CHECK(strstr(j.err, "published date") != NULL);
	T_EQ_INT(stats(other).exposures, before.exposures);
	T_EQ_INT(stats(other).advisories, 1);
	bg_store_close(other);
	other = new_store("other2", key);
	{
		/* Same fields, one digest less: the bundle's extra pair is a conflict. */
		struct bg_advisory a;
		struct bg_txn *w = NULL;

		add(other, "ProjectWEB", 1635724800, 0, 11, 1);
		T_EQ_INT(bg_txn_begin(other, true, &w), 0);
		T_EQ_INT(bg_advisory_find(w, "ProjectWEB", &a), 0);
		a.count = 12; /* claims the bundle's count: only the digests differ */
		bg_advisory_put(w, &a);
		T_EQ_INT(bg_txn_commit(w), 0);
	}
	before = stats(other);
	T_EQ_INT(import_bytes(other, fx.b, fx.n, &fx.site, &fx.tr, &j), -EEXIST);
	T_CHECK(strstr(j.err, "other digests") != NULL);
	T_EQ_INT(stats(other).exposures, before.exposures);
	T_EQ_INT(stats(other).identities, before.identities);
	T_EQ_INT(stats(other).advisories, 1);
	bg_store_close(other);
}

/* Changed between verify and apply: the apply refuses it. */
static void changed_before_apply(void)
{
	struct bg_store *other;
	unsigned char c;
	struct job j;

	fixture();
	other = new_store("other3", key);
	memset(&j, 0, sizeof(j));
	j.info = malloc(sizeof(*j.info));
	j.fd = mem_fd(fx.b, fx.n);
	j.site = &fx.site;
	j.tr = &fx.tr;
	T_EQ_INT(bg_bundle_verify(j.fd, "t.bgb", &fx.site, &fx.tr, j.info, j.err, sizeof(j.err)),
		 0);
	c = fx.b[60] ^ 1;
	T_EQ_INT(pwrite(j.fd, &c, 1, 60), 1);
	T_CHECK(bg_store_write(other, 1u << 20, job, &j) != 0);
	T_EQ_INT(stats(other).exposures, 0);
	T_EQ_INT(stats(other).advisories, 0);
	close(j.fd);
	free(j.info);
	bg_store_close(other);
}

/* Export refuses no advisory. */
static void export_refusals(void)
{
	struct bg_bundle_info *info = malloc(sizeof(*info));
	struct bg_txn *t = NULL;
	char err[1024];

	fixture();
	T_EQ_INT(bg_txn_begin(fx.mgmt, false, &t), 0);
	T_EQ_INT(
	    bg_bundle_export(t, fx.ids, 0, fx.sk, &fx.site, fx.out, NULL, info, err, sizeof(err)),
	    -EINVAL);
	bg_txn_abort(t);
	free(info);
}

/* forget and export name an advisory by id or name: an advisory named "2"
 * (from a store or bundle before names were checked) beside advisory 2 is
 * ambiguous, never guessed; alone, the name is found. */
static void refs(void)
{
	struct bg_store *st = new_store("refs", key);
	struct bg_advisory a;
	struct bg_txn *t = NULL;
	uint32_t first = add(st, "first", 1600000000, 0, 4, 1);
	uint32_t two = add(st, "2", 1600000000, 10, 14, 1);
	uint32_t nine = add(st, "9", 1600000000, 20, 24, 1);

	uint32_t one = add(st, "1", 1600000000, 30, 34, 1);

	T_EQ_INT((int)first, 1);
	T_EQ_INT((int)two, 2);
	T_EQ_INT(bg_txn_begin(st, false, &t), 0);
	T_EQ_INT(bg_advisory_by_ref(t, "1", &a), -ENOTUNIQ); /* id 1 is "first"; "1" is 4 */
	T_EQ_INT(bg_advisory_by_ref(t, "4", &a), 0);
	T_EQ_INT((int)a.id, (int)one);
	T_EQ_INT(bg_advisory_by_ref(t, "2", &a), 0); /* id 2 is the one named "2" */
	T_EQ_INT((int)a.id, 2);
	T_EQ_INT(bg_advisory_by_ref(t, "3", &a), 0); /* id 3, named "9" */
	T_EQ_INT((int)a.id, (int)nine);
	T_EQ_INT(bg_advisory_by_ref(t, "9", &a), 0); /* no id 9: the name */
	T_EQ_INT((int)a.id, (int)nine);
	T_EQ_INT(bg_advisory_by_ref(t, "first", &a), 0);
	T_EQ_INT(bg_advisory_by_ref(t, "77", &a), -ENOENT);
	bg_txn_abort(t);
	bg_store_close(st);
	T_CHECK(bg_name_all_digits("2021") && !bg_name_all_digits("2021a") &&
		!bg_name_all_digits(""));
}

/* A signed bundle may only carry what a local import could have stored: a
 * date beyond 9999 (shown as no date, yet the exposure time, so that no reset
 * ever counts) and a name of digits only are refused in the verify pass, dry
 * run included. */
static void hostile_fields(void)
{
	struct bg_bundle_info *info = malloc(sizeof(*info));
	struct bg_store *m;
	struct bg_txn *t = NULL;
	unsigned char *b;
	uint32_t id;
	size_t n;
	char err[1024], out[160];

	fixture();
	m = new_store("hostile", key);
	snprintf(out, sizeof(out), "%s/hostile.bgb", dir);
	id = add(m, "Far future", (int64_t)1 << 62, 0, 3, 1);
	T_EQ_INT(bg_txn_begin(m, false, &t), 0);
	T_EQ_INT(bg_bundle_export(t, &id, 1, fx.sk, &fx.site, out, NULL, info, err, sizeof(err)),
		 0);
	bg_txn_abort(t);
	n = slurp(out, &b);
	T_EQ_INT(verify_bytes(b, n, &fx.site, &fx.tr, err, sizeof(err)), -EBADMSG);
	T_CHECK(strstr(err, "invalid fields") != NULL);
	free(b);
	id = add(m, "123", -1, 0, 3, 1);
	T_EQ_INT(bg_txn_begin(m, false, &t), 0);
	T_EQ_INT(bg_bundle_export(t, &id, 1, fx.sk, &fx.site, out, NULL, info, err, sizeof(err)),
		 0);
	bg_txn_abort(t);
	n = slurp(out, &b);
	T_EQ_INT(verify_bytes(b, n, &fx.site, &fx.tr, err, sizeof(err)), -EBADMSG);
	T_CHECK(strstr(err, "digits only") != NULL);
	free(b);
	bg_store_close(m);
	free(info);
}

int main(int argc, char **argv)
{
	char cmd[128];

	t_init(argc, argv);
	T_RUN(keys);
	T_RUN(export);
	T_RUN(header_alone);
	T_RUN(refusals);
	T_RUN(import);
	T_RUN(conflicts);
	T_RUN(changed_before_apply);
	T_RUN(export_refusals);
	T_RUN(refs);
	T_RUN(hostile_fields);
	if (fx.made) {
		bg_store_close(fx.mgmt);
		free(fx.b);
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", dir);
	}
	return t_done("bundle");
}
