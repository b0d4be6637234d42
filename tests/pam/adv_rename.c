/* adv_rename.c: gives advisory ID of a store any name, bypassing the checks of
 * bg_advisory_put, as a store written before names were checked may hold
 * (issue 10 item 15: outputs must escape what the store holds).
 * Usage: pam_adv_rename STORE_DIR ID NAME.  Exit 0 renamed, 1 failed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "record.h"
#include "store.h"

int main(int argc, char **argv)
{
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_dbi dbi;
	MDB_val k, v;
	unsigned char kb[4], vb[BG_REC_MAX];
	struct bg_advisory a;
	unsigned long id;
	size_t nlen, vlen;
	int rc;

	if (argc != 4 || (nlen = strlen(argv[3])) == 0 || nlen >= BG_NAME_MAX) {
		fprintf(stderr, "usage: pam_adv_rename STORE_DIR ID NAME\n");
		return 2;
	}
	id = strtoul(argv[2], NULL, 10);
	kb[0] = (unsigned char)(id >> 24), kb[1] = (unsigned char)(id >> 16);
	kb[2] = (unsigned char)(id >> 8), kb[3] = (unsigned char)id;
	if ((rc = mdb_env_create(&env)) || (rc = mdb_env_set_maxdbs(env, 8)) ||
	    (rc = mdb_env_open(env, argv[1], 0, 0600)) ||
	    (rc = mdb_txn_begin(env, NULL, 0, &txn)) ||
	    (rc = mdb_dbi_open(txn, "advisories", 0, &dbi))) {
		fprintf(stderr, "pam_adv_rename: %s: %s\n", argv[1], mdb_strerror(rc));
		return 1;
	}
	k.mv_data = kb;
	k.mv_size = 4;
	/* The record's layout is record.c's: decode, rename, encode (no check of
	 * the name but its length). */
	if ((rc = mdb_get(txn, dbi, &k, &v)) ||
	    bg_rec_decode(&bg_rec_advisory, v.mv_data, v.mv_size, &a) != 0) {
		fprintf(stderr, "pam_adv_rename: advisory %lu: %s\n", id,
			rc ? mdb_strerror(rc) : "not an advisory record");
		return 1;
	}
	memcpy(a.name, argv[3], nlen + 1);
	if (bg_rec_encode(&bg_rec_advisory, &a, vb, sizeof(vb), &vlen) != 0) {
		fprintf(stderr, "pam_adv_rename: advisory %lu: cannot encode\n", id);
		return 1;
	}
	v.mv_data = vb;
	v.mv_size = vlen;
	if ((rc = mdb_put(txn, dbi, &k, &v, 0)) || (rc = mdb_txn_commit(txn))) {
		fprintf(stderr, "pam_adv_rename: write: %s\n", mdb_strerror(rc));
		return 1;
	}
	mdb_env_close(env);
	return 0;
}
