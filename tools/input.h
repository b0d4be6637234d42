/* input.h: a hostile byte stream turned into UTF-8 lines.
 * Handles "-" (stdin), gzip (zlib, transparently), a UTF-8 BOM, UTF-16LE/BE with
 * a BOM (converted to UTF-8), CRLF/LF/CR line ends, over-long lines (cut and
 * flagged) and NUL bytes (flagged).  Refuses a directory, a device and a named
 * fifo given as a path, with a message naming the file. */
#ifndef BG_INPUT_H
#define BG_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "unicode.h" /* bg_utf8_valid() */

#define BG_LINE_MAX (64 * 1024) /* longer lines are flagged BG_LINE_TOO_LONG */

enum bg_line_flags {
	BG_LINE_TOO_LONG = 1 << 0, /* cut at BG_LINE_MAX; the rest was skipped */
	BG_LINE_HAS_NUL = 1 << 1,
	BG_LINE_BAD_UTF8 = 1 << 2,
};

struct bg_input;

/* Returns 0 or a negative errno; err gets "FILE: cause". */
int bg_input_open(struct bg_input **in, const char *path, char *err, size_t errlen);
void bg_input_close(struct bg_input *in);
const char *bg_input_name(const struct bg_input *in);

/* Decoded bytes at the start of the stream, without consuming them (format
 * sniffing).  Returns the number of bytes available (<= max) or a negative errno. */
long bg_input_peek(struct bg_input *in, const char **buf, size_t max);

/* Next line without its end-of-line.  Returns 1 with *line, *len, *flags set, 0 at
 * the end, or a negative errno (err set: e.g. a gzip stream cut short). */
int bg_input_getline(struct bg_input *in, const char **line, size_t *len, unsigned *flags,
		     char *err, size_t errlen);
/* Raw decoded bytes (for streaming parsers such as JSON); same returns. */
long bg_input_read(struct bg_input *in, char *buf, size_t max, char *err, size_t errlen);
unsigned long bg_input_lineno(const struct bg_input *in); /* of the last line returned */
uint64_t bg_input_bytes(const struct bg_input *in);       /* compressed bytes consumed */
/* SHA-256 of the raw (undecoded) bytes read so far; complete after EOF. */
void bg_input_sha256(struct bg_input *in, unsigned char out[32]);


#endif
