/* identity.h: address normalisation and an account's candidate identities. */
#ifndef BG_IDENTITY_H
#define BG_IDENTITY_H

#include <pwd.h>
#include <stdbool.h>
#include <stddef.h>

#include "config.h"

#define BG_ID_MAX 512 /* a normalised identity, NUL included */
/* Candidate identities per account: no fixed cap (issue 10 item 8: a cap
 * dropped identities quietly); past this sanity limit the account is an error. */
#define BG_MAX_IDS 100000

enum bg_norm_err {
	BG_NORM_OK = 0,
	BG_NORM_EMPTY = -1,
	BG_NORM_NO_AT = -2,
	BG_NORM_BAD_LOCAL = -3,
	BG_NORM_BAD_DOMAIN = -4,
	BG_NORM_TOO_LONG = -5,
	BG_NORM_BAD_UTF8 = -6,
	BG_NORM_NOMEM = -7,
	BG_NORM_NO_UNICODE = -8,   /* libidn2/libunistring could not be loaded */
	BG_NORM_ONE_LABEL = -9,	   /* "x@example": a fragment or a bare host */
	BG_NORM_BAD_TLD = -10,	   /* the last label is no top-level domain */
	BG_NORM_LOCAL_PUNCT = -11, /* punctuation or a symbol of another script */
	BG_NORM_DOMAIN_PUNCT = -12,
	BG_NORM_IDNA = -13, /* the domain fails IDNA */
};

struct bg_norm_opts {
	bool fold_case;
	char subaddress[8];
};

void bg_norm_opts_from_config(struct bg_norm_opts *o, const struct bg_config *c);

/* The settings that shape a digest, as the store (meta "norm") and a bundle
 * record them: fold_case (0 or 1), then the sub-address separators sorted,
 * each once (so "+-" and "-+" are the same).  bg_norm_encode returns the
 * length (1 to BG_NORM_ENC_MAX); bg_norm_decode accepts only what encode
 * writes (0 or -EBADMSG).  bg_norm_same compares two settings by encoding. */
#define BG_NORM_ENC_MAX 8
size_t bg_norm_encode(const struct bg_norm_opts *o, unsigned char out[BG_NORM_ENC_MAX]);
int bg_norm_decode(const void *p, size_t n, struct bg_norm_opts *o);
bool bg_norm_same(const struct bg_norm_opts *a, const struct bg_norm_opts *b);
/* "fold_case = yes, subaddress = +" (or "subaddress = none"), as the config
 * writes them; out of at least BG_NORM_TEXT_MAX bytes. */
#define BG_NORM_TEXT_MAX 64
void bg_norm_describe(const struct bg_norm_opts *o, char *out, size_t len);

/* Normalises one address (trims, drops "Name" <...> and mailto:, folds case,
 * strips the sub-address tag, IDNA for the domain, NFKC) and accepts only a
 * plausible one: a local part of ASCII atext or letters, marks and digits of
 * any script (no punctuation or symbol of another script: no typographic
 * quote, no CJK punctuation); a domain of two labels or more that passes IDNA
 * and ends in a real top-level label (ASCII letters, at least two; or an
 * A-label whose Unicode form is letters of another script, at least two).
 * Locale-independent: ASCII rules for ASCII, explicit Unicode functions
 * otherwise.  A plain ASCII address takes a fast path without IDNA.  Returns the length
 * written to out (NUL-terminated) or a negative enum bg_norm_err. */
int bg_normalise(const char *in, size_t len, const struct bg_norm_opts *o, char *out,
		 size_t outlen);
/* The same without the fast path for plain ASCII addresses: what the fast
 * path must agree with (tests/unit/test_fastpath.c). */
int bg_normalise_general(const char *in, size_t len, const struct bg_norm_opts *o, char *out,
			 size_t outlen);
const char *bg_norm_strerror(int err);

/* A growing array: zero it before first use, bg_identities_free() after. */
struct bg_identities {
	size_t n, cap;
	char (*id)[BG_ID_MAX];
};

void bg_identities_free(struct bg_identities *ids);

/* Every identity of an account: user@domain for each domain, the user name when
 * it is an address, a GECOS address (gecos_email), aliases-file addresses and
 * "user:NAME".  Nothing is dropped: an identity that cannot be computed (out of
 * memory, libidn2/libunistring not loadable) is a LOG_ERR line and an error,
 * so that the caller applies on_error instead of saying clear.  Returns 0 or a
 * negative errno (aliases file unreadable/unsafe, -ENOMEM, -ENOSYS, -E2BIG).
 * out must be zeroed or hold an earlier result (which is replaced). */
int bg_account_identities(const struct bg_config *c, const struct passwd *pw,
			  struct bg_identities *out, const struct bg_logger *log);

/* Which GECOS fields users may change themselves (chfn): bit 0 full name,
 * 1 room, 2 work phone, 3 home phone, from CHFN_RESTRICT in login_defs.
 * Addresses in those fields are not identities. */
#ifndef BG_LOGIN_DEFS
#define BG_LOGIN_DEFS "/etc/login.defs"
#endif
unsigned bg_gecos_user_fields(const char *login_defs, const struct bg_logger *log);

/* "user:NAME", the identity a user-name advisory or `breachguard flag` stores. */
int bg_user_identity(const char *user, char *out, size_t outlen);

#endif
