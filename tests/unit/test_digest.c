/* test_digest.c: the project's HMAC (nettle, digest.c) against libcrypto's
 * EVP_MAC HMAC-SHA-256, which made every store before it: byte-identical on
 * random keys and messages of every length from 0 to 300 bytes and long ones,
 * in both domains, with one context reused across many messages as the import's
 * workers and the verdict do.  Also the key id against libcrypto's SHA-256, and
 * known answers computed by `openssl dgst` (what an old store holds). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "digest.h"
#include "t.h"

/* libcrypto's HMAC-SHA-256 of domain || NUL || data, the way digest.c did it
 * before nettle: one EVP_MAC context keyed once, re-initialised per message. */
struct ref {
	EVP_MAC *mac;
	EVP_MAC_CTX *ctx;
};

static int ref_new(struct ref *r, const unsigned char key[BG_KEY_LEN])
{
	char digest[] = "SHA256";
	OSSL_PARAM params[2];

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	r->mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	r->ctx = r->mac ? EVP_MAC_CTX_new(r->mac) : NULL;
	return r->ctx && EVP_MAC_init(r->ctx, key, BG_KEY_LEN, params) == 1 ? 0 : -1;
}

static int ref_digest(struct ref *r, const char *domain, const unsigned char *data, size_t len,
		      unsigned char out[32])
{
	size_t outl = 0;

	if (EVP_MAC_init(r->ctx, NULL, 0, NULL) != 1 ||
	    EVP_MAC_update(r->ctx, (const unsigned char *)domain, strlen(domain) + 1) != 1 ||
	    EVP_MAC_update(r->ctx, data, len) != 1 || EVP_MAC_final(r->ctx, out, &outl, 32) != 1 ||
	    outl != 32)
		return -1;
	return 0;
}

static void ref_free(struct ref *r)
{
	EVP_MAC_CTX_free(r->ctx);
	EVP_MAC_free(r->mac);
}

static void hex(const unsigned char *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", p[i]);
}

/* Compares one message in one domain; counts one check (a failure prints it). */
static void same(struct bg_hmac *h, struct ref *r, const char *domain, const unsigned char *m,
		 size_t len)
{
	unsigned char ours[BG_DIGEST_LEN], theirs[32];
	char a[2 * BG_DIGEST_LEN + 1], b[2 * BG_DIGEST_LEN + 1];

	memset(ours, 0xaa, sizeof(ours));
	T_EQ_INT(bg_hmac_digest(h, domain, m, len, ours), 0);
	T_EQ_INT(ref_digest(r, domain, m, len, theirs), 0);
	if (memcmp(ours, theirs, BG_DIGEST_LEN) != 0) {
		hex(ours, BG_DIGEST_LEN, a);
		hex(theirs, BG_DIGEST_LEN, b);
		fprintf(stderr, "domain \"%s\", %zu-byte message: nettle %s, libcrypto %s\n",
			domain, len, a, b);
	}
	T_CHECK(memcmp(ours, theirs, BG_DIGEST_LEN) == 0);
}

static void known_answers(void)
{
	unsigned char key[BG_KEY_LEN], d[BG_DIGEST_LEN], id[BG_KEY_ID_LEN];
	char got[2 * BG_DIGEST_LEN + 1];
	struct bg_hmac *h = NULL;
	const char *hash = "$6$salt$hash";

	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (unsigned char)i;
	T_EQ_INT(bg_hmac_new(&h, key, NULL), 0);
	if (!h)
		return;
	/* printf 'id\0anna@example.com' | openssl dgst -sha256 -mac HMAC -macopt hexkey:0001..1f */
	T_EQ_INT(bg_hmac_digest(h, "id", "anna@example.com", 16, d), 0);
	hex(d, sizeof(d), got);
	T_EQ_STR(got, "bea1583ae4913a969da89282a6b0ca9c");
	/* printf 'fp\0$6$salt$hash' | openssl dgst ... (a password-hash fingerprint) */
	T_EQ_INT(bg_hmac_digest(h, "fp", hash, strlen(hash), d), 0);
	hex(d, sizeof(d), got);
	T_EQ_STR(got, "d057353ba6d9fa37fe579150ce4f95b3");
	bg_hmac_free(h);
	/* The key id in an old store's meta: SHA-256(key)'s first 8 bytes. */
	T_EQ_INT(bg_key_id(key, id, NULL), 0);
	hex(id, sizeof(id), got);
	T_EQ_STR(got, "630dcd2966c43366");
}

/* Every length from 0 to 300 and long ones, 24 keys, both domains, one
 * context per key: byte-identical to libcrypto. */
static void against_libcrypto(void)
{
	static const size_t longs[] = {511, 512, 1000, 4095, 4096, 4097, 65537, 1u << 20};
	const char *domains[] = {"id", "fp", ""};
	size_t maxlen = 1u << 20;
	unsigned char *m = malloc(maxlen);
	int keys = 0;

	if (!m || RAND_bytes(m, (int)maxlen) != 1) {
		fprintf(stderr, "test_digest: no random message bytes\n");
		T_CHECK(false);
		free(m);
		return;
	}
	for (int k = 0; k < 24; k++) {
		unsigned char key[BG_KEY_LEN], kid[BG_KEY_ID_LEN], md[32];
		unsigned int mdlen = 0;
		struct bg_hmac *h = NULL;
		struct ref r = {0};

		/* Random keys, plus the all-zero and all-ones edge cases. */
		if (k == 0)
			memset(key, 0, sizeof(key));
		else if (k == 1)
			memset(key, 0xff, sizeof(key));
		else
			T_EQ_INT(RAND_bytes(key, sizeof(key)), 1);
		T_EQ_INT(bg_hmac_new(&h, key, NULL), 0);
		T_EQ_INT(ref_new(&r, key), 0);
		if (!h || !r.ctx) {
			bg_hmac_free(h);
			ref_free(&r);
			continue;
		}
		keys++;
		/* One context, many messages: nettle resets to the keyed state each time. */
		for (size_t d = 0; d < 3; d++) {
			for (size_t len = 0; len <= 300; len++)
				same(h, &r, domains[d], m + (size_t)k * 7 + len, len);
			if (k < 4)
				for (size_t i = 0; i < sizeof(longs) / sizeof(longs[0]); i++)
					same(h, &r, domains[d], m, longs[i]);
		}
		/* Messages that are printable identities too, as the import hashes them. */
		for (int i = 0; i < 200; i++) {
			char id[64];
			int n = snprintf(id, sizeof(id), "user%d.%d@example.com", k, i);

			same(h, &r, "id", (const unsigned char *)id, (size_t)n);
		}
		T_EQ_INT(bg_key_id(key, kid, NULL), 0);
		T_EQ_INT(EVP_Digest(key, sizeof(key), md, &mdlen, EVP_sha256(), NULL), 1);
		T_CHECK(memcmp(kid, md, BG_KEY_ID_LEN) == 0);
		bg_hmac_free(h);
		ref_free(&r);
	}
	T_EQ_INT(keys, 24);
	free(m);
}

int main(int argc, char **argv)
{
	t_init(argc, argv);
	T_RUN(known_answers);
	T_RUN(against_libcrypto);
	return t_done("test_digest");
}
