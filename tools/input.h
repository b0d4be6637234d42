/* input.h: a hostile byte stream turned into UTF-8 lines.
 * Handles "-" (stdin), gzip (zlib) and xz, bzip2, zstd, lz4, compress, lzip
 * (libarchive's filters), all transparently; a UTF-8 BOM, UTF-16LE/BE (with a
 * BOM or by its zero bytes), legacy encodings (CP932, EUC-JP, ISO-2022-JP,
 * GB18030, Big5, CP949, Windows-1252, ISO-8859-x: see encoding.h) converted to
 * UTF-8; CRLF/LF/CR line ends, over-long lines (cut and flagged) and NUL bytes
 * (flagged).  Refuses a directory, a device and a named fifo given as a path,
 * with a message naming the file.  An archive member is opened as a stream. */
#ifndef BG_INPUT_H
#define BG_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "unicode.h" /* bg_utf8_valid() */

#define BG_LINE_MAX (64 * 1024) /* longer lines are flagged BG_LINE_TOO_LONG */

enum bg_line_flags {
	BG_LINE_TOO_LONG = 1 << 0, /* cut at BG_LINE_MAX; the rest was skipped */
	BG_LINE_HAS_NUL = 1 << 1,
	BG_LINE_BAD_UTF8 = 1 << 2, /* also: a sequence invalid in the legacy encoding */
	BG_LINE_PIECE = 1 << 3,	   /* bg_input_long_pieces: more of this line follows */
};

struct bg_input;

/* Errors: every call that can fail takes a struct bg_err (err.h) and sets it
 * ("FILE: cause"); the input keeps its own failure sticky as well, so every
 * later call returns the same error (bg_input_error), and err may be NULL. */

/* Returns 0 or a negative errno; err gets "FILE: cause". */
int bg_input_open(struct bg_input **in, const char *path, struct bg_err *err);
/* A stream (an archive member): read() returns bytes, 0 at the end, or a
 * negative errno with its own message in err (which the input prefixes with its
 * name).  name is the display name ("notice.zip:list.csv"); size is 0 if unknown. */
typedef long (*bg_input_read_fn)(void *arg, void *buf, size_t n, struct bg_err *err);
int bg_input_open_stream(struct bg_input **in, const char *name, bg_input_read_fn fn, void *arg,
			 unsigned long long size, struct bg_err *err);
void bg_input_close(struct bg_input *in);
const char *bg_input_name(const struct bg_input *in);
/* The input's own sticky error (code 0 while it has none). */
const struct bg_err *bg_input_error(const struct bg_input *in);

/* Decoded bytes at the start of the stream, without consuming them (format
 * sniffing).  Returns the number of bytes available (<= max) or a negative errno. */
long bg_input_peek(struct bg_input *in, const char **buf, size_t max);

/* Next line without its end-of-line.  Returns 1 with *line, *len, *flags set, 0 at
 * the end, or a negative errno (err set: e.g. a gzip stream cut short). */
int bg_input_getline(struct bg_input *in, const char **line, size_t *len, unsigned *flags,
		     struct bg_err *err);
/* Raw decoded bytes (for streaming parsers such as JSON); same returns. */
long bg_input_read(struct bg_input *in, char *buf, size_t max, struct bg_err *err);
unsigned long bg_input_lineno(const struct bg_input *in); /* of the last line returned */
/* From now on getline skips empty lines (still counting them): for readers to
 * which an empty line means nothing (text). */
void bg_input_skip_blank(struct bg_input *in);
/* From now on a line longer than BG_LINE_MAX is handed out in pieces with its
 * one number: each piece but the last ends where cut says (NULL: at the last
 * blank, tab, comma or semicolon before the limit, bg_input_cut_text; never
 * inside a token) and is flagged BG_LINE_PIECE.  Where the limit holds none of them (one token of
 * 64 KiB), the line is cut and flagged BG_LINE_TOO_LONG as without this.  For readers whose lines
 * are independent texts (text: an Outlook To: field of thousands of addresses, an SQL dump's
 * extended INSERT). */
typedef size_t (*bg_input_cut_fn)(const char *s, size_t n);
void bg_input_long_pieces(struct bg_input *in, bg_input_cut_fn cut);
/* The cut of bg_input_long_pieces without one: just after the last blank, tab,
 * comma or semicolon of s[0..n) (an address holds none of them), or 0. */
size_t bg_input_cut_text(const char *s, size_t n);
uint64_t bg_input_bytes(const struct bg_input *in); /* compressed bytes consumed */
/* SHA-256 of the raw (undecoded) bytes read so far; complete after EOF. */
void bg_input_sha256(struct bg_input *in, unsigned char out[32]);

/* Before the first read: the text encoding, "auto" (or NULL: detect), "raw"
 * (no legacy decoding: the e-mail reader decodes each part by its label), or an
 * iconv name ("CP932"; aliases such as sjis are known).  0 or -EINVAL (err:
 * "unknown encoding"; err may be NULL). */
int bg_input_set_encoding(struct bg_input *in, const char *enc, struct bg_err *err);
/* Whether an encoding was set (--encoding, a part's label, "raw"). */
bool bg_input_encoding_given(const struct bg_input *in);
/* The encoding the text was decoded from: "UTF-8" (also for ASCII), "UTF-16LE",
 * "CP932", ...; "" while undecided. */
const char *bg_input_encoding(const struct bg_input *in);
/* Lines that held a sequence invalid in that encoding (and the first one). */
unsigned long bg_input_bad_lines(const struct bg_input *in, unsigned long *first);
/* The decompressor in use ("gzip", "xz", ...) or "" for none. */
const char *bg_input_compression(const struct bg_input *in);
/* Decompressed bytes before any text decoding (archive and e-mail sniffing),
 * without consuming them; returns the count (<= max) or a negative errno. */
long bg_input_peek_plain(struct bg_input *in, const unsigned char **buf, size_t max);
/* Consumes decompressed bytes without text decoding (an archive's data). */
long bg_input_read_plain(struct bg_input *in, void *buf, size_t max, struct bg_err *err);
/* The descriptor of a regular file read without decompression, so the archive
 * layer may seek it; -1 otherwise.  Its size in *size. */
int bg_input_seekable_fd(const struct bg_input *in, unsigned long long *size);
/* Size of the input when known (a regular file, a member with a size), else 0. */
unsigned long long bg_input_size(const struct bg_input *in);

/* Progress on a terminal: called at most once a second from the raw reads with
 * the bytes read and the total (0 if unknown). */
typedef void (*bg_input_progress_fn)(void *arg, const char *name, unsigned long long done,
				     unsigned long long total);
void bg_input_set_progress(struct bg_input *in, bg_input_progress_fn fn, void *arg);
/* Every decompressed byte is charged to fn (the archive layer's bomb limits): a
 * negative return stops the input with err as its error. */
typedef int (*bg_input_budget_fn)(void *arg, size_t n, struct bg_err *err);
void bg_input_set_budget(struct bg_input *in, bg_input_budget_fn fn, void *arg);

#endif
