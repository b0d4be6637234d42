/* encoding.h: which text encoding a byte stream is in, decided from enough of it.
 * uchardet proposes, iconv verifies: a proposal is taken only when the sample
 * decodes cleanly in it; otherwise the caller gets the candidates that do, for
 * an error that tells the user to give --encoding. */
#ifndef BG_ENCODING_H
#define BG_ENCODING_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define BG_ENC_NAME_MAX 32

/* Decides the encoding of sample (the bytes from the first non-ASCII or ESC byte
 * on, after at most one ASCII byte of what came before it, for context; at_eof:
 * the sample is the rest of the input).  Returns 0 with name set
 * ("UTF-8" when the sample is UTF-8 or binary noise, else an iconv name such as
 * "CP932"), or a negative errno with err set to the cause, without the file's
 * name (the input prefixes it): -EILSEQ "cannot tell the text encoding (not
 * UTF-8; it could be CP932, EUC-JP); give --encoding NAME, ...", or -ENOMEM. */
int bg_encoding_decide(const char *sample, size_t len, bool at_eof, char *name, size_t namelen,
		       struct bg_err *err);

/* Canonical iconv name for a user's --encoding (aliases such as sjis, shift_jis,
 * latin1, utf8 resolved); 0, or -EINVAL when iconv does not know it. */
int bg_encoding_canonical(const char *user, char *name, size_t namelen);

/* True for the names that mean "no conversion" (UTF-8 and ASCII). */
bool bg_encoding_is_utf8(const char *name);

#endif
