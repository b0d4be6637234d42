/* record.h: the byte layout of every fixed record of the store, as data.  A
 * record is a table of fields (name, kind, byte order, width on disk, the
 * member's size and offset in its struct); one encode and one decode walk any
 * table, so a layout is written once and a newcomer reads it in one place
 * (record.c).  No allocation, no state: the module decodes records on every
 * account check.
 *
 * The bytes are those of schema 1 (tests/unit/test_record.c holds them,
 * written by hand): integers little-endian in values, big-endian where they
 * are LMDB keys (so that keys sort by number), a name as a 2-byte length then
 * its bytes, a rotation's matched ids as the rest of the value. */
#ifndef BG_RECORD_H
#define BG_RECORD_H

#include <stddef.h>
#include <stdint.h>

enum bg_rec_kind {
	BG_REC_UINT,  /* unsigned integer of width bytes (1, 2, 4 or 8) */
	BG_REC_SINT,  /* two's complement of width bytes, sign-extended when read */
	BG_REC_BYTES, /* width bytes as they are (the member is width bytes too) */
	/* Last field only: a char[] member as a width-byte length, then that many
	 * bytes to the end of the record (no NUL on disk; fewer than the member). */
	BG_REC_STR,
	/* Last field only: the rest of the record as elements of width bytes into
	 * a uint<width*8>_t[] member; their number in the size_t member at count_off. */
	BG_REC_ARRAY,
};

enum bg_rec_order { BG_REC_LE, BG_REC_BE };

struct bg_rec_field {
	const char *name;
	uint8_t kind, order;
	uint8_t width;	    /* bytes on disk (STR: of the length; ARRAY: of one element) */
	uint16_t size, off; /* the member's sizeof and offsetof */
	uint16_t count_off; /* ARRAY: offsetof the size_t count */
};

struct bg_rec_layout {
	const char *name;
	size_t size; /* sizeof the struct (decode zeroes it first) */
	const struct bg_rec_field *fields;
	size_t n_fields;
};

/* The layouts (record.c).  Advisory: the value of a struct bg_advisory (its
 * key is bg_rec_adv_id).  Rotation: the value of a struct bg_rotation (its key
 * is a digest of the user name).  bg_rec_adv_id: a uint32_t advisory id as
 * LMDB sorts it, the advisories' key and the exposures' value (the exposures'
 * key is the identity's digest).  Meta: "schema" a uint32_t, "identities" a
 * uint64_t, "digest" the store digest (BG_RECSUM_LEN bytes). */
extern const struct bg_rec_layout bg_rec_advisory, bg_rec_rotation, bg_rec_adv_id, bg_rec_meta_u32,
    bg_rec_meta_u64, bg_rec_meta_digest;

/* The most any layout encodes to (a buffer of this size always fits). */
#define BG_REC_MAX 512

/* Writes the struct at s in layout L to out (cap bytes) and its length to
 * *len.  0, -EOVERFLOW when out is too small, -EINVAL when a STR member is
 * not terminated within its size or does not fit its length field. */
int bg_rec_encode(const struct bg_rec_layout *L, const void *s, unsigned char *out, size_t cap,
		  size_t *len);
/* Reads len bytes at in, in layout L, into the struct at s (zeroed first).
 * 0, or -EBADMSG when the bytes are not of that layout (too short or long, a
 * name longer than its member, a tail not of whole elements or too many). */
int bg_rec_decode(const struct bg_rec_layout *L, const void *in, size_t len, void *s);
/* The largest encoding of L (for the tests: <= BG_REC_MAX). */
size_t bg_rec_max(const struct bg_rec_layout *L);

#endif
