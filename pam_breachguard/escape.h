/* escape.h: the one escaping of untrusted text (advisory names, user names,
 * GECOS and file contents) on its way to a terminal, syslog or a report. */
#ifndef BG_ESCAPE_H
#define BG_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Escape '"' and '\' too: for a value quoted inside a line (advisory "NAME"),
 * so that the quotes the line puts around it stay the only ones. */
#define BG_ESC_QUOTES 1u

/* Whether a code point may not reach a terminal or a log as it is: C0, DEL,
 * C1, U+2028/2029, the bidi embeddings, overrides and isolates (U+202A-202E,
 * U+2066-2069) and marks (U+200E/200F). */
bool bg_unsafe_codepoint(uint32_t cp);

/* The code point of a valid UTF-8 sequence of n bytes (bg_utf8_seq's length). */
uint32_t bg_utf8_cp(const unsigned char *p, size_t n);

/* Copies s into out (always NUL-terminated, truncated to outlen), with every
 * unsafe code point as \xHH (ASCII) or \u{XXXX}, and every byte of invalid
 * UTF-8 as \xHH; with BG_ESC_QUOTES also \" and \\.  Returns out. */
char *bg_escape(const char *s, unsigned flags, char *out, size_t outlen);

/* An advisory name the store accepts: 1 to BG_NAME_MAX - 1 bytes of valid
 * UTF-8 without an unsafe code point.  Returns NULL or why not. */
const char *bg_name_problem(const char *s);

#endif
