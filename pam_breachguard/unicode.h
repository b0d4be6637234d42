/* unicode.h: UTF-8 validation, and the non-ASCII half of normalisation.
 * libidn2 and libunistring are loaded (dlopen) only when an identity holds
 * non-ASCII text: the module, whose identities are nearly always ASCII, does
 * not pay their load cost on every pam_start. */
#ifndef BG_UNICODE_H
#define BG_UNICODE_H

#include <stdbool.h>
#include <stddef.h>

/* Length (1-4) of the valid UTF-8 sequence at p (n bytes available), 0 when p
 * starts no valid sequence (overlong, surrogate, > U+10FFFF, cut short). */
size_t bg_utf8_seq(const unsigned char *p, size_t n);
bool bg_utf8_valid(const char *s, size_t len);
/* How many of the len bytes at p are valid UTF-8 from the start (len: all);
 * *widest (when not NULL) rises to the longest sequence in them (1 for
 * ASCII only, as the caller set it). */
size_t bg_utf8_prefix(const unsigned char *p, size_t len, size_t *widest);
/* Writes code point cp (<= U+10FFFF) as UTF-8 to o (4 bytes room); its length. */
size_t bg_utf8_put(char *o, unsigned cp);

struct bg_unicode;

/* Loads the libraries.  0, or -ENOSYS when they cannot be loaded. */
int bg_unicode_open(struct bg_unicode **out);
void bg_unicode_close(struct bg_unicode *u);

/* NFKC, then (fold) full case folding, of UTF-8 text (no language: the same
 * result under every locale).  Returns the length
 * written to out (NUL-terminated), -EILSEQ, -ENOSPC or -ENOMEM. */
int bg_unicode_local(struct bg_unicode *u, const char *s, size_t n, bool fold, char *out,
		     size_t outlen);
/* IDNA2008 (NFC input; non-transitional, then transitional) to lower-case
 * ASCII.  Returns the length written, -EINVAL, -ENOSPC or -ENOMEM. */
int bg_unicode_domain(struct bg_unicode *u, const char *s, size_t n, char *out, size_t outlen);

/* A letter, combining mark or decimal digit of any script (the characters a
 * plausible non-ASCII local part or label is made of). */
bool bg_unicode_is_letter(struct bg_unicode *u, unsigned cp);
/* A letter (no mark, no digit): what a label of letters starts with. */
bool bg_unicode_is_base_letter(struct bg_unicode *u, unsigned cp);
/* NFKC of UTF-8 text.  Returns the length written, -EILSEQ, -ENOSPC, -ENOMEM. */
int bg_unicode_nfkc(struct bg_unicode *u, const char *s, size_t n, char *out, size_t outlen);
/* An ASCII domain with A-labels in Unicode (UTF-8).  Length, or -EINVAL/-ENOSPC. */
int bg_unicode_to_unicode(struct bg_unicode *u, const char *ace, char *out, size_t outlen);

#endif
