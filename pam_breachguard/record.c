/* record.c: the store's record layouts (one field table each) and the one
 * encode and decode that walk them (see record.h).  Changing a table changes
 * the bytes on disk: that is a new BG_SCHEMA_VERSION, and test_record.c's
 * hand-written bytes say whether it happened. */
#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "record.h"
#include "recsum.h"
#include "store.h"

#define FIELD(type, member, kind, order, width)                                                    \
	{                                                                                          \
#member, kind, order, width, sizeof(((type *)0)->member), offsetof(type, member),  \
		    0                                                                              \
	}
#define ARRAY(type, member, count, width)                                                          \
	{                                                                                          \
#member, BG_REC_ARRAY, BG_REC_LE, width, sizeof(((type *)0)->member),              \
		    offsetof(type, member), offsetof(type, count)                                  \
	}
#define LAYOUT(name, type, fields)                                                                 \
	{                                                                                          \
		name, sizeof(type), fields, sizeof(fields) / sizeof(fields[0])                     \
	}

/* advisories: key = id (below), value: */
static const struct bg_rec_field advisory_fields[] = {
    FIELD(struct bg_advisory, id, BG_REC_UINT, BG_REC_LE, 4), /* = the key's (verify checks) */
    FIELD(struct bg_advisory, published, BG_REC_SINT, BG_REC_LE, 8),
    FIELD(struct bg_advisory, imported, BG_REC_SINT, BG_REC_LE, 8),
    FIELD(struct bg_advisory, count, BG_REC_UINT, BG_REC_LE, 8),
    FIELD(struct bg_advisory, source_sha256, BG_REC_BYTES, BG_REC_LE, 32),
    FIELD(struct bg_advisory, grace_days, BG_REC_SINT, BG_REC_LE, 4),
    FIELD(struct bg_advisory, name, BG_REC_STR, BG_REC_LE, 2),
};

/* rotations: key = HMAC(site key, "rot" || user), or the plain name in a store
 * from before issue 10 item 14; value (a record from before issue 10 item 4
 * has no matched ids): */
static const struct bg_rec_field rotation_fields[] = {
    FIELD(struct bg_rotation, rotated_at, BG_REC_SINT, BG_REC_LE, 8),
    FIELD(struct bg_rotation, how, BG_REC_UINT, BG_REC_LE, 1),
    FIELD(struct bg_rotation, fp_exposure, BG_REC_SINT, BG_REC_LE, 8),
    FIELD(struct bg_rotation, fp_recorded, BG_REC_SINT, BG_REC_LE, 8),
    FIELD(struct bg_rotation, fingerprint, BG_REC_BYTES, BG_REC_LE, BG_DIGEST_LEN),
    ARRAY(struct bg_rotation, matched, n_matched, 4),
};

/* An advisory id where LMDB sorts it (the advisories' key, the exposures'
 * value, a DUPSORT duplicate): big-endian, so that memcmp order is id order. */
struct id_rec {
	uint32_t id;
};
static const struct bg_rec_field adv_id_fields[] = {
    FIELD(struct id_rec, id, BG_REC_UINT, BG_REC_BE, 4),
};

/* meta: "schema", "identities" (a count), "digest" (recsum.h); "key_id" is
 * bg_key_id's bytes, compared as they are. */
struct u32_rec {
	uint32_t v;
};
struct u64_rec {
	uint64_t v;
};
struct digest_rec {
	unsigned char d[BG_RECSUM_LEN];
};
static const struct bg_rec_field meta_u32_fields[] = {
    FIELD(struct u32_rec, v, BG_REC_UINT, BG_REC_LE, 4),
};
static const struct bg_rec_field meta_u64_fields[] = {
    FIELD(struct u64_rec, v, BG_REC_UINT, BG_REC_LE, 8),
};
static const struct bg_rec_field meta_digest_fields[] = {
    FIELD(struct digest_rec, d, BG_REC_BYTES, BG_REC_LE, BG_RECSUM_LEN),
};

const struct bg_rec_layout bg_rec_advisory =
    LAYOUT("advisory", struct bg_advisory, advisory_fields);
const struct bg_rec_layout bg_rec_rotation =
    LAYOUT("rotation", struct bg_rotation, rotation_fields);
const struct bg_rec_layout bg_rec_adv_id = LAYOUT("advisory id", struct id_rec, adv_id_fields);
const struct bg_rec_layout bg_rec_meta_u32 = LAYOUT("meta u32", struct u32_rec, meta_u32_fields);
const struct bg_rec_layout bg_rec_meta_u64 = LAYOUT("meta u64", struct u64_rec, meta_u64_fields);
const struct bg_rec_layout bg_rec_meta_digest =
    LAYOUT("meta digest", struct digest_rec, meta_digest_fields);

/* ---- the walk ------------------------------------------------------------ */

/* An integer of n bytes (1, 2, 4 or 8) in the given byte order. */
static uint64_t bytes_get(const unsigned char *p, size_t n, unsigned order)
{
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;

	switch (n) {
	case 1:
		return p[0];
	case 2:
		memcpy(&u16, p, 2);
		return order == BG_REC_BE ? be16toh(u16) : le16toh(u16);
	case 4:
		memcpy(&u32, p, 4);
		return order == BG_REC_BE ? be32toh(u32) : le32toh(u32);
	default:
		memcpy(&u64, p, 8);
		return order == BG_REC_BE ? be64toh(u64) : le64toh(u64);
	}
}

static void bytes_put(unsigned char *p, size_t n, unsigned order, uint64_t v)
{
	uint16_t u16 = (uint16_t)v;
	uint32_t u32 = (uint32_t)v;

	switch (n) {
	case 1:
		p[0] = (unsigned char)v;
		break;
	case 2:
		u16 = order == BG_REC_BE ? htobe16(u16) : htole16(u16);
		memcpy(p, &u16, 2);
		break;
	case 4:
		u32 = order == BG_REC_BE ? htobe32(u32) : htole32(u32);
		memcpy(p, &u32, 4);
		break;
	default:
		v = order == BG_REC_BE ? htobe64(v) : htole64(v);
		memcpy(p, &v, 8);
		break;
	}
}

/* v of n bytes, two's complement, widened to 64 bits. */
static uint64_t sign_extend(uint64_t v, size_t n)
{
	uint64_t top;

	if (n >= 8)
		return v;
	top = (uint64_t)1 << (8 * n - 1);
	return (v ^ top) - top;
}

/* The integer member of size bytes at m (uint8_t ... uint64_t, or a signed
 * one of those sizes, read as its bits). */
static uint64_t member_get(const unsigned char *m, size_t size)
{
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;

	switch (size) {
	case 1:
		memcpy(&u8, m, 1);
		return u8;
	case 2:
		memcpy(&u16, m, 2);
		return u16;
	case 4:
		memcpy(&u32, m, 4);
		return u32;
	default:
		memcpy(&u64, m, 8);
		return u64;
	}
}

static void member_put(unsigned char *m, size_t size, uint64_t v)
{
	uint8_t u8 = (uint8_t)v;
	uint16_t u16 = (uint16_t)v;
	uint32_t u32 = (uint32_t)v;

	switch (size) {
	case 1:
		memcpy(m, &u8, 1);
		break;
	case 2:
		memcpy(m, &u16, 2);
		break;
	case 4:
		memcpy(m, &u32, 4);
		break;
	default:
		memcpy(m, &v, 8);
		break;
	}
}

int bg_rec_encode(const struct bg_rec_layout *L, const void *s, unsigned char *out, size_t cap,
		  size_t *len)
{
	const unsigned char *base = s;
	size_t pos = 0;

	*len = 0;
	for (size_t i = 0; i < L->n_fields; i++) {
		const struct bg_rec_field *f = &L->fields[i];
		const unsigned char *m = base + f->off;
		size_t n = f->width;
		uint64_t v;

		switch (f->kind) {
		case BG_REC_STR:
			v = strnlen((const char *)m, f->size);
			if (v >= f->size || (f->width < 8 && v >> (8 * f->width)))
				return -EINVAL;
			n += (size_t)v;
			break;
		case BG_REC_ARRAY:
			v = member_get(base + f->count_off, sizeof(size_t));
			if (v > f->size / f->width)
				v = f->size / f->width; /* what the member holds */
			n = (size_t)v * f->width;
			break;
		default:
			v = member_get(m, f->size);
			if (f->kind == BG_REC_SINT)
				v = sign_extend(v, f->size);
			break;
		}
		if (cap - pos < n)
			return -EOVERFLOW;
		switch (f->kind) {
		case BG_REC_BYTES:
			memcpy(out + pos, m, n);
			break;
		case BG_REC_STR:
			bytes_put(out + pos, f->width, f->order, v);
			memcpy(out + pos + f->width, m, (size_t)v);
			break;
		case BG_REC_ARRAY:
			for (size_t k = 0; k < (size_t)v; k++)
				bytes_put(out + pos + k * f->width, f->width, f->order,
					  member_get(m + k * f->width, f->width));
			break;
		default:
			bytes_put(out + pos, n, f->order, v);
			break;
		}
		pos += n;
	}
	*len = pos;
	return 0;
}

int bg_rec_decode(const struct bg_rec_layout *L, const void *in, size_t len, void *s)
{
	const unsigned char *p = in;
	unsigned char *base = s;
	size_t pos = 0;

	memset(s, 0, L->size);
	for (size_t i = 0; i < L->n_fields; i++) {
		const struct bg_rec_field *f = &L->fields[i];
		unsigned char *m = base + f->off;
		size_t rest = len - pos, n;
		uint64_t v;

		if (rest < f->width && f->kind != BG_REC_ARRAY) /* an array may be empty */
			return -EBADMSG;
		switch (f->kind) {
		case BG_REC_BYTES:
			memcpy(m, p + pos, f->width);
			break;
		case BG_REC_STR:
			v = bytes_get(p + pos, f->width, f->order);
			if (v >= f->size || v != rest - f->width)
				return -EBADMSG;
			memcpy(m, p + pos + f->width, (size_t)v); /* the NUL: zeroed above */
			return 0;
		case BG_REC_ARRAY:
			n = rest / f->width;
			if (rest % f->width != 0 || n > f->size / f->width)
				return -EBADMSG;
			for (size_t k = 0; k < n; k++)
				member_put(m + k * f->width, f->width,
					   bytes_get(p + pos + k * f->width, f->width, f->order));
			member_put(base + f->count_off, sizeof(size_t), n);
			return 0;
		default:
			v = bytes_get(p + pos, f->width, f->order);
			if (f->kind == BG_REC_SINT)
				v = sign_extend(v, f->width);
			member_put(m, f->size, v);
			break;
		}
		pos += f->width;
	}
	return pos == len ? 0 : -EBADMSG;
}

size_t bg_rec_max(const struct bg_rec_layout *L)
{
	size_t n = 0;

	for (size_t i = 0; i < L->n_fields; i++) {
		const struct bg_rec_field *f = &L->fields[i];

		size_t size = f->size, width = f->width;

		n += f->kind == BG_REC_ARRAY ? size / width * width : width;
		if (f->kind == BG_REC_STR)
			n += size - 1;
	}
	return n;
}
