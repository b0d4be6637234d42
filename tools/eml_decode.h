/* eml_decode.h: the e-mail reader's decoding, from transfer encoding to UTF-8:
 * base64 and quoted-printable bodies, RFC 2047 encoded words and RFC 2231
 * parameter values, and a part's charset converted to UTF-8 as it streams.
 * Nothing here knows the message's structure or the sink: callers hand bytes
 * in and get bytes (or callbacks) out. */
#ifndef BG_EML_DECODE_H
#define BG_EML_DECODE_H

#include "conv.h"
#include <stdbool.h>
#include <stddef.h>

/* The value of a base64 digit, or -1. */
int bg_eml_b64_value(unsigned char c);

/* A base64 body, line by line: what is left of a quantum carries over. */
struct bg_eml_b64 {
	unsigned acc, n; /* bits and 6-bit units of the open quantum */
};

/* Decodes one line into out (room for n / 4 * 3 + 3 bytes); returns the bytes
 * written.  White space is skipped, '=' ends a quantum; *bad is set when a byte
 * that is no base64 was skipped. */
size_t bg_eml_b64_line(struct bg_eml_b64 *b, const char *s, size_t n, char *out, bool *bad);
/* Decodes one quoted-printable line into out (room for n + 1 bytes), its line
 * end included unless the line ends in a soft break; returns the bytes written. */
size_t bg_eml_qp_line(const char *s, size_t n, char *out);

/* RFC 2231 "utf-8''%41b" values: strips the charset (first: the value's first
 * piece) and decodes %XX in place; returns the new length. */
size_t bg_eml_pct_decode(char *v, size_t n, bool first);
/* RFC 2047 encoded words ("=?ISO-2022-JP?B?...?=") in a value of at most 255
 * bytes, decoded in place (cap: the room in v). */
void bg_eml_decode_words(char *v, size_t cap);
/* Converts s (n bytes in charset cs; "" for UTF-8) to UTF-8 into out; false if
 * it cannot (unknown charset, invalid bytes, no room). */
bool bg_eml_to_utf8(const char *cs, const char *s, size_t n, char *out, size_t outlen);

/* A part's charset converted to UTF-8 as its decoded bytes arrive.  A sequence
 * cut between two pieces waits in pend. */
struct bg_eml_charset {
	bool convert; /* false: the bytes are UTF-8 (or ASCII) already */
	struct bg_conv *cd;
	unsigned unit; /* bytes to skip past an invalid sequence: 2 in UTF-16 */
	char pend[64];
	size_t npend;
};

/* Converted text (out) and an invalid sequence (bad: the caller notes it and
 * puts U+FFFD); each returns false to stop the conversion. */
struct bg_eml_sink {
	bool (*out)(void *arg, const char *s, size_t n);
	bool (*bad)(void *arg);
	void *arg;
};

/* Sets c up for the label (lower case, as the headers give it); false when
 * iconv does not know it (c then converts nothing). */
bool bg_eml_charset_open(struct bg_eml_charset *c, const char *label);
/* Converts n more bytes of the part. */
void bg_eml_charset_put(struct bg_eml_charset *c, const char *s, size_t n,
			const struct bg_eml_sink *k);
/* The part ended: a cut sequence is invalid, a stateful charset (ISO-2022-JP)
 * may owe a shift back. */
void bg_eml_charset_end(struct bg_eml_charset *c, const struct bg_eml_sink *k);
void bg_eml_charset_close(struct bg_eml_charset *c);

#endif
