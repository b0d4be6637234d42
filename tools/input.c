/* input.c: one advisory input as a stream of decoded UTF-8 lines.
 * Three stages, each with a fixed buffer so memory does not grow with the input:
 * raw bytes from the descriptor or a stream (hashed as they arrive), then
 * decompression (gzip through zlib, the other compressors through libarchive's
 * raw format, or pass-through), then text decoding (BOM, UTF-16, or a legacy
 * encoding through iconv once encoding.c has decided it) into the buffer that
 * lines, peeks and raw reads are served from.  The legacy decision waits for the
 * first byte that is not ASCII and then looks at DECIDE_MAX bytes from there:
 * every ASCII-compatible encoding reads the ASCII before it the same way. */
#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <archive.h>
#include <archive_entry.h>
#include <zlib.h>

#include "conv.h"
#include "encoding.h"
#include "sha_async.h"
#include "unicode.h"

#define RAW_CAP (64 * 1024)
/* Room for the decision sample plus what is already buffered before it. */
#define DECIDE_MAX (256 * 1024)
#define PLAIN_CAP (DECIDE_MAX + 64 * 1024)
/* Twice the largest peek, so a peek never has to drop undelivered bytes. */
#define DEC_CAP (256 * 1024)
#define PEEK_MAX (DEC_CAP / 2)
/* Enough of the head to tell UTF-16 without a BOM from bytes. */
#define SNIFF_LEN 256

/* CS_ASCII: no byte >= 0x80 (nor a JIS escape) seen yet, the legacy decision
 * is still open; CS_BYTES: UTF-8 (or raw); CS_ICONV: a legacy encoding. */
enum charset { CS_UNKNOWN, CS_ASCII, CS_BYTES, CS_UTF16LE, CS_UTF16BE, CS_ICONV };
enum comp { COMP_NONE, COMP_GZIP, COMP_ARCHIVE };

/* The invalid-sequence marker put in place of what iconv cannot decode: 0xFF is
 * never UTF-8, so the line is flagged and no identity can hold it. */
#define BAD_BYTE '\xff'

struct bg_input {
	char name[1024];
	int fd;
	bool own_fd, regular;
	bg_input_read_fn src;
	void *src_arg;
	unsigned long long size;
	struct bg_sha_async *sha;
	uint64_t raw_total;
	bg_input_progress_fn progress;
	void *progress_arg;
	bg_input_budget_fn budget;
	void *budget_arg;
	time_t t_start, t_last;

	unsigned char raw[RAW_CAP];
	size_t raw_pos, raw_len;
	bool raw_eof;

	/* Decompression: decided from the first bytes. */
	bool mode_known, gzip;
	bool z_ready, member_done;
	z_stream zs;
	enum comp comp;
	struct archive *ar;
	const char *comp_name;
	bool plain_read; /* plain bytes were consumed raw (archive data) */

	unsigned char plain[PLAIN_CAP];
	size_t plain_pos, plain_len;
	bool plain_eof;

	enum charset cs;
	bool have_hi; /* UTF-16: a high surrogate waits for its partner */
	unsigned hi;
	bool tail_done;
	bool no_legacy;		      /* "raw": UTF-8/UTF-16 only */
	char forced[BG_ENC_NAME_MAX]; /* --encoding */
	char enc[BG_ENC_NAME_MAX];
	struct bg_conv *cd;
	bool cd_open;
	unsigned long bad_lines, first_bad;

	char dec[DEC_CAP];
	size_t dec_pos, dec_len;

	bool pending_cr;	     /* the last line ended in CR: a following LF belongs to it */
	bool skip_blank;	     /* empty lines are not returned, only counted */
	bg_input_cut_fn pieces;	     /* bg_input_long_pieces: where a piece ends */
	size_t carry_off, carry_len; /* in line[]: the rest of a line handed out in part */
	char carry_first;	     /* its first byte, under the piece's NUL */
	bool mid_line;		     /* a piece was handed out; its line goes on */
	char before;		     /* the last ASCII byte before the legacy decision */
	unsigned long lineno;
	char line[BG_LINE_MAX + 1];

	/* Sticky: once the stream fails, every later call reports the same error. */
	struct bg_err err;
};

static int fail(struct bg_input *in, int e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct bg_input *in, int e, const char *fmt, ...)
{
	char cause[BG_ERR_MSG];
	va_list ap;

	if (in->err.code)
		return in->err.code;
	va_start(ap, fmt);
	vsnprintf(cause, sizeof(cause), fmt, ap);
	va_end(ap);
	return bg_err_set(&in->err, e, "%s: %s", in->name, cause);
}

static void copy_err(const struct bg_input *in, struct bg_err *err)
{
	if (err)
		bg_err_copy(err, &in->err);
}

static const char *kind_of(mode_t m)
{
	if (S_ISFIFO(m))
		return "a fifo";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	return "not a regular file";
}

int bg_input_open(struct bg_input **out, const char *path, struct bg_err *err)
{
	struct bg_input *in = NULL;
	struct stat st;
	const char *shown = path && strcmp(path, "-") != 0 ? path : "stdin";
	int rc = 0, fl;

	*out = NULL;
	if (!path || !*path) {
		return bg_err_set(err, -EINVAL, "(empty file name): no such file");
	}
	in = calloc(1, sizeof(*in));
	if (!in)
		return bg_err_set(err, -ENOMEM, "%s: out of memory", shown);
	snprintf(in->name, sizeof(in->name), "%s", shown);
	in->fd = -1;
	if ((rc = bg_sha_async_new(&in->sha)) != 0) {
		rc = bg_err_set(err, rc, "%s: out of memory", shown);
		goto out;
	}
	if (strcmp(path, "-") == 0) {
		in->fd = STDIN_FILENO;
	} else {
		/* O_NONBLOCK: a fifo given by path must not block the open; it is
		 * refused right after. */
		in->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
		if (in->fd < 0) {
			rc = bg_err_errno(err, -errno, shown);
			goto out;
		}
		in->own_fd = true;
	}
	if (fstat(in->fd, &st) != 0) {
		rc = bg_err_errno(err, -errno, shown);
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = bg_err_set(err, -EISDIR, "%s: is a directory", shown);
		goto out;
	}
	/* Standard input may be a pipe (that is what it is for); a named path must
	 * be a regular file, never something that blocks or never ends. */
	if (in->own_fd && !S_ISREG(st.st_mode)) {
		rc = bg_err_set(err, -EINVAL, "%s: is %s, not a regular file", shown,
				kind_of(st.st_mode));
		goto out;
	}
	/* Standard input from a device that never ends (/dev/zero, /dev/urandom)
	 * would be read forever; a terminal (a pasted list) is fine. */
	if (!in->own_fd && S_ISCHR(st.st_mode) && !isatty(in->fd)) {
		rc = bg_err_set(err, -EINVAL, "%s: is %s, not a file or a pipe", shown,
				kind_of(st.st_mode));
		goto out;
	}
	in->regular = S_ISREG(st.st_mode);
	if (in->regular && st.st_size > 0)
		in->size = (unsigned long long)st.st_size;
	if (in->own_fd) {
		fl = fcntl(in->fd, F_GETFL);
		if (fl < 0 || fcntl(in->fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
			rc = bg_err_errno(err, -errno, shown);
			goto out;
		}
	}
out:
	if (rc) {
		bg_input_close(in);
		return rc;
	}
	*out = in;
	return 0;
}

int bg_input_open_stream(struct bg_input **out, const char *name, bg_input_read_fn fn, void *arg,
			 unsigned long long size, struct bg_err *err)
{
	struct bg_input *in = calloc(1, sizeof(*in));

	*out = NULL;
	if (!in)
		return bg_err_set(err, -ENOMEM, "%s: out of memory", name);
	snprintf(in->name, sizeof(in->name), "%s", name);
	in->fd = -1;
	in->src = fn;
	in->src_arg = arg;
	in->size = size;
	if (bg_sha_async_new(&in->sha) != 0) {
		bg_input_close(in);
		return bg_err_set(err, -ENOMEM, "%s: out of memory", name);
	}
	*out = in;
	return 0;
}

void bg_input_close(struct bg_input *in)
{
	if (!in)
		return;
	if (in->ar)
		archive_read_free(in->ar);
	if (in->cd_open)
		bg_conv_close(in->cd);
	if (in->z_ready)
		inflateEnd(&in->zs);
	if (in->own_fd && in->fd >= 0)
		close(in->fd);
	bg_sha_async_free(in->sha);
	free(in);
}

const char *bg_input_name(const struct bg_input *in)
{
	return in->name;
}

const struct bg_err *bg_input_error(const struct bg_input *in)
{
	return &in->err;
}

unsigned long bg_input_lineno(const struct bg_input *in)
{
	return in->lineno;
}

uint64_t bg_input_bytes(const struct bg_input *in)
{
	return in->raw_total;
}

bool bg_input_encoding_given(const struct bg_input *in)
{
	return in->forced[0] || in->no_legacy;
}

int bg_input_set_encoding(struct bg_input *in, const char *enc, struct bg_err *err)
{
	char name[BG_ENC_NAME_MAX];

	if (!enc || !*enc || strcmp(enc, "auto") == 0)
		return 0;
	if (strcmp(enc, "raw") == 0) {
		in->no_legacy = true;
		in->forced[0] = '\0'; /* a message's parts say (or show) their own */
		return 0;
	}
	if (bg_encoding_canonical(enc, name, sizeof(name)) != 0) {
		if (!err)
			return -EINVAL;
		return bg_err_set(
		    err, -EINVAL,
		    "%s: unknown encoding \"%s\" (iconv does not know it; try CP932, EUC-JP, "
		    "ISO-2022-JP, WINDOWS-1252, GB18030, BIG5, CP949, UTF-8; `iconv -l` lists all)",
		    in->name, enc);
	}
	snprintf(in->forced, sizeof(in->forced), "%s", name);
	return 0;
}

const char *bg_input_encoding(const struct bg_input *in)
{
	return in->enc;
}

unsigned long bg_input_bad_lines(const struct bg_input *in, unsigned long *first)
{
	if (first)
		*first = in->first_bad;
	return in->bad_lines;
}

const char *bg_input_compression(const struct bg_input *in)
{
	return in->comp_name ? in->comp_name : "";
}

unsigned long long bg_input_size(const struct bg_input *in)
{
	return in->size;
}

void bg_input_set_progress(struct bg_input *in, bg_input_progress_fn fn, void *arg)
{
	in->progress = fn;
	in->progress_arg = arg;
	in->t_start = time(NULL);
}

void bg_input_skip_blank(struct bg_input *in)
{
	in->skip_blank = true;
}

void bg_input_long_pieces(struct bg_input *in, bg_input_cut_fn cut)
{
	in->pieces = cut ? cut : bg_input_cut_text;
}

/* Where a piece of a long line may end: just after its last separator (0 if
 * it holds none).  An address holds none of these bytes, and they are ASCII:
 * a cut never splits a token or a UTF-8 sequence. */
size_t bg_input_cut_text(const char *s, size_t n)
{
	while (n > 0) {
		char c = s[n - 1];

		if (c == ' ' || c == '\t' || c == ',' || c == ';')
			return n;
		n--;
	}
	return 0;
}

void bg_input_set_budget(struct bg_input *in, bg_input_budget_fn fn, void *arg)
{
	in->budget = fn;
	in->budget_arg = arg;
}

static long charge(struct bg_input *in, long made)
{
	struct bg_err e = BG_ERR_INIT;
	int r;

	if (made <= 0 || !in->budget)
		return made;
	r = in->budget(in->budget_arg, (size_t)made, &e);
	return r < 0 ? fail(in, r, "%s", e.msg) : made;
}

void bg_input_sha256(struct bg_input *in, unsigned char out[32])
{
	/* The running hash goes on (and can be asked again). */
	bg_sha_async_sum(in->sha, out);
}

/* --- stage 1: raw bytes ------------------------------------------------------ */

/* Moves a buffer's unread bytes buf[*pos, *len) to its start. */
static void compact(void *buf, size_t *pos, size_t *len)
{
	if (*pos == *len) {
		*pos = *len = 0;
	} else if (*pos > 0) {
		memmove(buf, (char *)buf + *pos, *len - *pos);
		*len -= *pos;
		*pos = 0;
	}
}

/* Appends raw bytes; returns the count, 0 at end of file, or a negative errno. */
static long raw_fill(struct bg_input *in)
{
	ssize_t n;
	struct pollfd pfd;

	if (in->raw_eof)
		return 0;
	compact(in->raw, &in->raw_pos, &in->raw_len);
	if (in->raw_len == RAW_CAP)
		return fail(in, -EOVERFLOW, "internal error: raw buffer full");
	for (;;) {
		if (in->src) {
			struct bg_err e = BG_ERR_INIT;
			long got =
			    in->src(in->src_arg, in->raw + in->raw_len, RAW_CAP - in->raw_len, &e);

			if (got < 0)
				return fail(in, (int)got, "%s",
					    e.msg[0] ? e.msg : strerror((int)-got));
			n = got;
			break;
		}
		n = read(in->fd, in->raw + in->raw_len, RAW_CAP - in->raw_len);
		if (n >= 0)
			break;
		if (errno == EINTR)
			continue;
		/* Standard input inherited in non-blocking mode: wait for data. */
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			pfd.fd = in->fd;
			pfd.events = POLLIN;
			pfd.revents = 0;
			if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
				return fail(in, -errno, "%s", strerror(errno));
			continue;
		}
		return fail(in, -errno, "read error: %s", strerror(errno));
	}
	if (n == 0) {
		in->raw_eof = true;
		return 0;
	}
	bg_sha_async_update(in->sha, in->raw + in->raw_len, (size_t)n);
	in->raw_len += (size_t)n;
	in->raw_total += (uint64_t)n;
	if (in->progress) {
		time_t now = time(NULL);

		/* Quiet for the first seconds: most inputs are done by then. */
		if (now != in->t_last && now - in->t_start >= 3) {
			in->t_last = now;
			in->progress(in->progress_arg, in->name, in->raw_total, in->size);
		}
	}
	return (long)n;
}

/* --- stage 2: gzip or pass-through ------------------------------------------- */

/* libarchive pulls the compressed bytes from stage 1. */
static la_ssize_t ar_read_cb(struct archive *a, void *arg, const void **buf)
{
	struct bg_input *in = arg;
	size_t n;
	long r;

	(void)a;
	if (in->raw_pos == in->raw_len) {
		r = raw_fill(in);
		if (r < 0) {
			archive_set_error(a, EIO, "%s", in->err.msg);
			return -1;
		}
	}
	n = in->raw_len - in->raw_pos;
	*buf = in->raw + in->raw_pos;
	in->raw_pos = in->raw_len;
	return (la_ssize_t)n;
}

/* The compressors other than gzip, by their magic numbers. */
static const char *other_compressor(const unsigned char *p, size_t n)
{
	if (n >= 6 && memcmp(p,
			     "\xfd"
			     "7zXZ\0",
			     6) == 0)
		return "xz";
	if (n >= 10 && memcmp(p, "BZh", 3) == 0 && p[3] >= '1' && p[3] <= '9' &&
	    (memcmp(p + 4, "\x31\x41\x59\x26\x53\x59", 6) == 0 ||
	     memcmp(p + 4, "\x17\x72\x45\x38\x50\x90", 6) == 0))
		return "bzip2";
	if (n >= 4 && memcmp(p, "\x28\xb5\x2f\xfd", 4) == 0)
		return "zstd";
	if (n >= 4 && memcmp(p, "\x04\x22\x4d\x18", 4) == 0)
		return "lz4";
	if (n >= 4 && memcmp(p, "LZIP", 4) == 0)
		return "lzip";
	if (n >= 3 && p[0] == 0x1f && p[1] == 0x9d && (p[2] & 0x60) == 0)
		return "compress";
	return NULL;
}

static int start_archive_filter(struct bg_input *in, const char *what)
{
	struct archive_entry *e;

	in->ar = archive_read_new();
	if (!in->ar)
		return fail(in, -ENOMEM, "cannot start the %s decoder", what);
	archive_read_support_filter_all(in->ar);
	archive_read_support_format_raw(in->ar);
	if (archive_read_open(in->ar, in, NULL, ar_read_cb, NULL) != ARCHIVE_OK ||
	    archive_read_next_header(in->ar, &e) != ARCHIVE_OK) {
		if (in->err.code)
			return in->err.code;
		return fail(in, -EBADMSG, "%s stream cut short or corrupt (%s)", what,
			    archive_error_string(in->ar) ? archive_error_string(in->ar)
							 : "unreadable");
	}
	in->comp = COMP_ARCHIVE;
	in->comp_name = what;
	return 0;
}

static int decide_mode(struct bg_input *in)
{
	const char *other;
	long r;
	int zr;

	while (in->raw_len - in->raw_pos < 16 && !in->raw_eof) {
		r = raw_fill(in);
		if (r < 0)
			return (int)r;
	}
	in->mode_known = true;
	other = other_compressor(in->raw + in->raw_pos, in->raw_len - in->raw_pos);
	if (other)
		return start_archive_filter(in, other);
	/* Only the gzip magic switches inflation on: a zlib header is two ordinary
	 * printable bytes ("x^") and plain text may start with them. */
	if (in->raw_len - in->raw_pos >= 2 && in->raw[in->raw_pos] == 0x1f &&
	    in->raw[in->raw_pos + 1] == 0x8b) {
		in->gzip = true;
		memset(&in->zs, 0, sizeof(in->zs));
		zr = inflateInit2(&in->zs, 15 + 32);
		if (zr != Z_OK)
			return fail(in, -ENOMEM, "cannot start gzip decoder");
		in->z_ready = true;
		in->comp = COMP_GZIP;
		in->comp_name = "gzip";
	}
	return 0;
}

/* Between gzip members: another member follows, zero padding ends the stream,
 * anything else is an error.  Returns 1 to go on inflating, 0 at the end. */
static int next_member(struct bg_input *in)
{
	long r;

	for (;;) {
		while (in->raw_pos < in->raw_len && in->raw[in->raw_pos] == 0)
			in->raw_pos++;
		while (in->raw_len - in->raw_pos < 2 && !in->raw_eof) {
			r = raw_fill(in);
			if (r < 0)
				return (int)r;
		}
		if (in->raw_pos == in->raw_len)
			return 0;
		if (in->raw[in->raw_pos] == 0)
			continue;
		if (in->raw_len - in->raw_pos >= 2 && in->raw[in->raw_pos] == 0x1f &&
		    in->raw[in->raw_pos + 1] == 0x8b) {
			if (inflateReset(&in->zs) != Z_OK)
				return fail(in, -EIO, "gzip decoder reset failed");
			in->member_done = false;
			return 1;
		}
		return fail(in, -EBADMSG, "trailing garbage after the gzip data");
	}
}

/* Appends decompressed bytes; returns the count, 0 at the end, or a negative errno. */
static long plain_fill(struct bg_input *in)
{
	size_t before, n;
	long r;
	int zr;

	if (!in->mode_known) {
		r = decide_mode(in);
		if (r < 0)
			return r;
	}
	if (in->plain_eof)
		return 0;
	compact(in->plain, &in->plain_pos, &in->plain_len);
	before = in->plain_len;
	if (in->comp == COMP_ARCHIVE) {
		la_ssize_t got;

		do
			got = archive_read_data(in->ar, in->plain + in->plain_len,
						PLAIN_CAP - in->plain_len);
		while (got == ARCHIVE_RETRY);
		if (got < 0) {
			if (in->err.code)
				return in->err.code;
			return fail(in, -EBADMSG, "%s stream cut short or corrupt (%s)",
				    in->comp_name,
				    archive_error_string(in->ar) ? archive_error_string(in->ar)
								 : "read error");
		}
		if (got == 0)
			in->plain_eof = true;
		in->plain_len += (size_t)got;
		return charge(in, (long)got);
	}
	while (in->plain_len == before && in->plain_len < PLAIN_CAP) {
		if (in->raw_pos == in->raw_len) {
			r = raw_fill(in);
			if (r < 0)
				return r;
		}
		if (!in->gzip) {
			if (in->raw_pos == in->raw_len) {
				in->plain_eof = true;
				break;
			}
			n = in->raw_len - in->raw_pos;
			if (n > PLAIN_CAP - in->plain_len)
				n = PLAIN_CAP - in->plain_len;
			memcpy(in->plain + in->plain_len, in->raw + in->raw_pos, n);
			in->raw_pos += n;
			in->plain_len += n;
			continue;
		}
		if (in->member_done) {
			r = next_member(in);
			if (r < 0)
				return r;
			if (r == 0) {
				in->plain_eof = true;
				break;
			}
		}
		in->zs.next_in = in->raw + in->raw_pos;
		in->zs.avail_in = (uInt)(in->raw_len - in->raw_pos);
		in->zs.next_out = in->plain + in->plain_len;
		in->zs.avail_out = (uInt)(PLAIN_CAP - in->plain_len);
		zr = inflate(&in->zs, Z_NO_FLUSH);
		in->raw_pos = in->raw_len - in->zs.avail_in;
		in->plain_len = PLAIN_CAP - in->zs.avail_out;
		switch (zr) {
		case Z_STREAM_END:
			in->member_done = true;
			break;
		case Z_OK:
			break;
		case Z_BUF_ERROR:
			/* No progress: zlib wants input; there is none left, so the
			 * stream ended inside a member. */
			if (in->raw_pos == in->raw_len && in->raw_eof)
				return fail(in, -EBADMSG,
					    "gzip stream cut short (unexpected end of file)");
			break;
		case Z_MEM_ERROR:
			return fail(in, -ENOMEM, "out of memory in the gzip decoder");
		case Z_NEED_DICT:
			return fail(in, -EBADMSG, "compressed data needs a preset dictionary");
		default:
			return fail(in, -EBADMSG, "corrupt gzip data (%s)",
				    in->zs.msg ? in->zs.msg : "data error");
		}
	}
	return charge(in, (long)(in->plain_len - before));
}

/* --- stage 3: charset -------------------------------------------------------- */

static int open_iconv(struct bg_input *in, const char *name)
{
	in->cd = bg_conv_open(name);
	if (!in->cd)
		return fail(in, -EINVAL, "cannot decode %s (iconv does not know it)", name);
	in->cd_open = true;
	in->cs = CS_ICONV;
	snprintf(in->enc, sizeof(in->enc), "%s", name);
	return 0;
}

/* Whether n bytes (a whole number of units, perhaps cut inside a surrogate
 * pair at the end) are UTF-16 text: no NUL, no control but tab, CR and LF,
 * surrogates in pairs, no noncharacter U+FFFE/FFFF. */
static bool utf16_text(const unsigned char *p, size_t n, bool le)
{
	bool want_lo = false;

	for (size_t i = 0; i + 1 < n; i += 2) {
		unsigned u = le ? (unsigned)p[i] | (unsigned)p[i + 1] << 8
				: (unsigned)p[i] << 8 | (unsigned)p[i + 1];
		bool lo = u >= 0xdc00 && u <= 0xdfff;

		if (want_lo != lo)
			return false;
		want_lo = u >= 0xd800 && u <= 0xdbff;
		if ((u < 0x20 && u != '\t' && u != '\n' && u != '\r') || (u >= 0x7f && u < 0xa0) ||
		    u >= 0xfffe)
			return false;
	}
	return true;
}

static int decide_charset(struct bg_input *in)
{
	const unsigned char *p = in->plain + in->plain_pos;
	size_t n = in->plain_len - in->plain_pos, i, pairs, le = 0, be = 0;

	in->cs = in->no_legacy ? CS_BYTES : CS_ASCII;
	/* "raw": a message, whose parts each say (or are detected) for themselves */
	snprintf(in->enc, sizeof(in->enc), "%s", in->no_legacy ? "per part" : "UTF-8");
	/* A byte order mark decides, over --encoding too: --encoding CP932 for a
	 * zip of CP932 lists must not decode the UTF-8 notice beside them. */
	if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) {
		in->cs = CS_BYTES;
		in->plain_pos += 3;
		return 0;
	}
	if (n >= 2 && p[0] == 0xff && p[1] == 0xfe) {
		in->cs = CS_UTF16LE;
		in->plain_pos += 2;
		goto utf16;
	}
	if (n >= 2 && p[0] == 0xfe && p[1] == 0xff) {
		in->cs = CS_UTF16BE;
		in->plain_pos += 2;
		goto utf16;
	}
	if (in->forced[0] && !bg_encoding_is_utf8(in->forced))
		return open_iconv(in, in->forced);
	if (in->forced[0]) {
		in->cs = CS_BYTES;
		return 0;
	}
	/* No BOM: some exporters still write UTF-16.  Mostly-ASCII UTF-16 shows as a
	 * zero in every other byte, which text in any byte encoding never does. */
	if (n > SNIFF_LEN)
		n = SNIFF_LEN;
	pairs = n / 2;
	if (pairs < 4)
		return 0;
	for (i = 0; i + 1 < n; i += 2) {
		if (p[i] && !p[i + 1])
			le++;
		else if (!p[i] && p[i + 1])
			be++;
	}
	if (le * 4 >= pairs * 3 && be * 16 <= pairs)
		in->cs = CS_UTF16LE;
	else if (be * 4 >= pairs * 3 && le * 16 <= pairs)
		in->cs = CS_UTF16BE;
	/* Japanese (or any CJK) UTF-16 has zeros only in its ASCII units (the
	 * commas, the addresses): fewer, but on one side, and every unit of the
	 * sample is then text, which binary data and byte encodings are not.  A
	 * few on the other side are ideographs whose low byte is zero (一 is
	 * U+4E00, 堀 U+5800): one in 16 of the ASCII ones is let pass. */
	else if (pairs >= 16 && le * 8 >= pairs && be * 16 <= le && utf16_text(p, pairs * 2, true))
		in->cs = CS_UTF16LE;
	else if (pairs >= 16 && be * 8 >= pairs && le * 16 <= be && utf16_text(p, pairs * 2, false))
		in->cs = CS_UTF16BE;
utf16:
	if (in->cs == CS_UTF16LE || in->cs == CS_UTF16BE)
		snprintf(in->enc, sizeof(in->enc), "%s",
			 in->cs == CS_UTF16LE ? "UTF-16LE" : "UTF-16BE");
	return 0;
}

/* Bytes at p that every ASCII-compatible encoding reads alike: up to the first
 * byte >= 0x80 or ESC (ISO-2022-JP's shifts), eight at a time. */
static size_t ascii_run(const unsigned char *p, size_t n)
{
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t w, x;

		memcpy(&w, p + i, 8);
		x = w ^ (ones * 0x1b);
		if ((w | ((x - ones) & ~x)) & highs)
			break;
	}
	while (i < n && p[i] < 0x80 && p[i] != 0x1b)
		i++;
	return i;
}

/* The first byte that is not plain ASCII is at plain_pos: look at enough of
 * what follows to decide the encoding, once. */
static int decide_legacy(struct bg_input *in)
{
	char name[BG_ENC_NAME_MAX];
	struct bg_err e = BG_ERR_INIT;
	size_t avail;
	long r;
	int rc;

	while (in->plain_len - in->plain_pos < DECIDE_MAX && !in->plain_eof) {
		r = plain_fill(in);
		if (r < 0)
			return (int)r;
	}
	avail = in->plain_len - in->plain_pos;
	if (avail > DECIDE_MAX)
		avail = DECIDE_MAX;
	{
		/* The ASCII byte before the sample is context: "Fran" + "\xe7ois". */
		char *sample = malloc(avail + 1);

		if (!sample)
			return fail(in, -ENOMEM, "out of memory deciding the text encoding");
		sample[0] = in->before ? in->before : '\n';
		memcpy(sample + 1, in->plain + in->plain_pos, avail);
		rc = bg_encoding_decide(
		    sample, avail + 1, in->plain_eof && in->plain_len - in->plain_pos <= DECIDE_MAX,
		    name, sizeof(name), &e);
		free(sample);
	}
	if (rc < 0)
		return fail(in, rc, "%s", e.msg);
	if (bg_encoding_is_utf8(name)) {
		in->cs = CS_BYTES;
		return 0;
	}
	return open_iconv(in, name);
}

/* iconv from plain into dec; what cannot be decoded becomes BAD_BYTE. */
static size_t iconv_convert(struct bg_input *in)
{
	char *ip = (char *)in->plain + in->plain_pos, *op = in->dec + in->dec_len;
	size_t il = in->plain_len - in->plain_pos, ol = DEC_CAP - in->dec_len - 8, made;

	while (il && ol > 8) {
		if (bg_conv(in->cd, &ip, &il, &op, &ol) != (size_t)-1)
			break;
		if (errno == E2BIG)
			break;
		if (errno == EINVAL && !in->plain_eof)
			break; /* a character cut by the buffer: wait for the rest */
		*op++ = BAD_BYTE;
		ol--;
		ip++;
		il--;
	}
	in->plain_pos = (size_t)((unsigned char *)ip - in->plain);
	made = (size_t)(op - (in->dec + in->dec_len));
	in->dec_len += made;
	return made;
}

#define REPLACEMENT 0xfffdu

/* Converts what fits; an unpaired surrogate becomes U+FFFD (flagged per line). */
static size_t utf16_convert(struct bg_input *in)
{
	const unsigned char *p;
	size_t made = 0;
	unsigned u;

	/* Room for the widest step (a replaced high surrogate and a character:
	 * 3 + 4 bytes) after what this call has made so far. */
	while (in->plain_len - in->plain_pos >= 2 && DEC_CAP - in->dec_len - made >= 8) {
		p = in->plain + in->plain_pos;
		u = in->cs == CS_UTF16LE ? (unsigned)(p[0] | (p[1] << 8))
					 : (unsigned)((p[0] << 8) | p[1]);
		in->plain_pos += 2;
		if (in->have_hi) {
			in->have_hi = false;
			if (u >= 0xdc00 && u <= 0xdfff) {
				u = 0x10000 + ((in->hi - 0xd800) << 10) + (u - 0xdc00);
				made += bg_utf8_put(in->dec + in->dec_len + made, u);
				continue;
			}
			made += bg_utf8_put(in->dec + in->dec_len + made, REPLACEMENT);
		}
		if (u >= 0xd800 && u <= 0xdbff) {
			in->have_hi = true;
			in->hi = u;
			continue;
		}
		if (u >= 0xdc00 && u <= 0xdfff)
			u = REPLACEMENT;
		made += bg_utf8_put(in->dec + in->dec_len + made, u);
	}
	in->dec_len += made;
	return made;
}

/* Appends decoded bytes to dec; returns the count, 0 at the end, or a negative errno. */
static long dec_fill(struct bg_input *in)
{
	size_t n, avail;
	long r;

	if (in->err.code)
		return in->err.code;
	if (in->dec_pos == in->dec_len || DEC_CAP - in->dec_len < 64)
		compact(in->dec, &in->dec_pos, &in->dec_len);
	if (in->cs == CS_UNKNOWN) {
		while (in->plain_len - in->plain_pos < SNIFF_LEN && !in->plain_eof) {
			r = plain_fill(in);
			if (r < 0)
				return r;
		}
		r = decide_charset(in);
		if (r < 0)
			return r;
	}
	for (;;) {
		avail = in->plain_len - in->plain_pos;
		if (in->cs == CS_ASCII && avail > 0) {
			const unsigned char *p = in->plain + in->plain_pos;

			n = DEC_CAP - in->dec_len;
			if (n > avail)
				n = avail;
			n = ascii_run(p, n);
			if (n == 0 && p[0] == 0x1b && avail < 3 && !in->plain_eof)
				goto more; /* is it a JIS escape? */
			if (n == 0 &&
			    (p[0] >= 0x80 || (avail >= 3 && (p[1] == '$' || p[1] == '(')))) {
				r = decide_legacy(in);
				if (r < 0)
					return r;
				continue;
			}
			if (n == 0)
				n = 1; /* a lone ESC: a control byte like any other */
			in->before = (char)p[n - 1];
			memcpy(in->dec + in->dec_len, p, n);
			in->plain_pos += n;
			in->dec_len += n;
			return (long)n;
		}
		if (in->cs == CS_BYTES && avail > 0) {
			n = DEC_CAP - in->dec_len;
			if (n > avail)
				n = avail;
			memcpy(in->dec + in->dec_len, in->plain + in->plain_pos, n);
			in->plain_pos += n;
			in->dec_len += n;
			return (long)n;
		}
		if (in->cs == CS_ICONV && avail > 0) {
			n = iconv_convert(in);
			if (n)
				return (long)n;
		}
		if ((in->cs == CS_UTF16LE || in->cs == CS_UTF16BE) && avail >= 2) {
			n = utf16_convert(in);
			if (n)
				return (long)n;
		}
		if (in->plain_eof) {
			/* A dangling high surrogate or odd last byte is a broken unit. */
			if ((in->cs == CS_UTF16LE || in->cs == CS_UTF16BE) && !in->tail_done) {
				in->tail_done = true;
				n = 0;
				if (in->have_hi)
					n += bg_utf8_put(in->dec + in->dec_len + n, REPLACEMENT);
				if (in->plain_len - in->plain_pos == 1)
					n += bg_utf8_put(in->dec + in->dec_len + n, REPLACEMENT);
				in->have_hi = false;
				in->plain_pos = in->plain_len;
				in->dec_len += n;
				if (n)
					return (long)n;
			}
			return 0;
		}
	more:
		r = plain_fill(in);
		if (r < 0)
			return r;
	}
}

/* --- public reads ----------------------------------------------------------- */

long bg_input_peek_plain(struct bg_input *in, const unsigned char **buf, size_t max)
{
	long r;

	*buf = in->plain + in->plain_pos;
	if (in->err.code)
		return in->err.code;
	if (max > PLAIN_CAP / 2)
		max = PLAIN_CAP / 2;
	if (in->plain_pos > 0 && in->plain_len - in->plain_pos < max) {
		memmove(in->plain, in->plain + in->plain_pos, in->plain_len - in->plain_pos);
		in->plain_len -= in->plain_pos;
		in->plain_pos = 0;
	}
	while (in->plain_len - in->plain_pos < max && !in->plain_eof) {
		r = plain_fill(in);
		if (r < 0)
			return r;
	}
	*buf = in->plain + in->plain_pos;
	r = (long)(in->plain_len - in->plain_pos);
	return r < (long)max ? r : (long)max;
}

/* Copies up to max of the bytes held from *pos to len at src into buf; their number. */
static long copy_out(const void *src, size_t *pos, size_t len, void *buf, size_t max)
{
	size_t n = len - *pos;

	if (n > max)
		n = max;
	memcpy(buf, (const char *)src + *pos, n);
	*pos += n;
	return (long)n;
}

long bg_input_read_plain(struct bg_input *in, void *buf, size_t max, struct bg_err *err)
{
	long r;

	if (in->err.code) {
		copy_err(in, err);
		return in->err.code;
	}
	in->plain_read = true;
	if (in->plain_pos == in->plain_len && !in->plain_eof) {
		r = plain_fill(in);
		if (r < 0) {
			copy_err(in, err);
			return r;
		}
	}
	return copy_out(in->plain, &in->plain_pos, in->plain_len, buf, max);
}

int bg_input_seekable_fd(const struct bg_input *in, unsigned long long *size)
{
	*size = in->size;
	if (in->fd < 0 || !in->regular || (in->mode_known && in->comp != COMP_NONE))
		return -1;
	return in->fd;
}

long bg_input_peek(struct bg_input *in, const char **buf, size_t max)
{
	long r;

	*buf = in->dec + in->dec_pos;
	if (in->err.code)
		return in->err.code;
	if (max > PEEK_MAX)
		max = PEEK_MAX;
	if (in->dec_pos > 0) {
		memmove(in->dec, in->dec + in->dec_pos, in->dec_len - in->dec_pos);
		in->dec_len -= in->dec_pos;
		in->dec_pos = 0;
	}
	while (in->dec_len < max) {
		r = dec_fill(in);
		if (r < 0)
			return r;
		if (r == 0)
			break;
	}
	*buf = in->dec;
	return (long)(in->dec_len < max ? in->dec_len : max);
}

/* Refills the decoded text once it is used up: > 0 when text waits, 0 at the
 * end, or a negative errno (copied to err). */
static long dec_more(struct bg_input *in, struct bg_err *err)
{
	long r;

	if (in->dec_pos < in->dec_len)
		return 1;
	r = dec_fill(in);
	if (r < 0)
		copy_err(in, err);
	return r;
}

long bg_input_read(struct bg_input *in, char *buf, size_t max, struct bg_err *err)
{
	long r;

	if (in->err.code) {
		copy_err(in, err);
		return in->err.code;
	}
	if (max == 0)
		return 0;
	if ((r = dec_more(in, err)) <= 0)
		return r;
	return copy_out(in->dec, &in->dec_pos, in->dec_len, buf, max);
}

/* Length of s without an incomplete UTF-8 sequence at its end (a cut line). */
static size_t trim_partial_utf8(const char *s, size_t len)
{
	size_t i = len, back = 0;
	unsigned char c;

	while (i > 0 && back < 4) {
		c = (unsigned char)s[i - 1];
		if ((c & 0xc0) != 0x80)
			break;
		i--;
		back++;
	}
	if (i == 0)
		return len;
	c = (unsigned char)s[i - 1];
	if (c >= 0xc0) {
		size_t want = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;
		if (back < want)
			return i - 1;
	}
	return len;
}

/* What scan_line saw of a line: a NUL, and where its first byte >= 0x80 is. */
struct line_scan {
	bool nul;
	size_t high;
};

static inline size_t scan_line(const char *b, size_t avail, struct line_scan *sc);

/* A piece, or a line cut short: its NUL and first high byte, scanned past any
 * line end (which a line never holds, and which is neither). */
static void scan_whole(const char *s, size_t len, struct line_scan *all)
{
	all->nul = false;
	all->high = len;
	for (size_t at = 0; at < len;) {
		struct line_scan part;
		size_t e = at + scan_line(s + at, len - at, &part);

		all->nul = all->nul || part.nul;
		if (all->high == len && at + part.high < e)
			all->high = at + part.high;
		at = e + 1;
	}
}

/* The line's flags; known: its NUL and first high byte as scan_line found
 * them while the line was read (NULL: scan_whole looks for them). */
static unsigned line_flags(const struct bg_input *in, const char *s, size_t len, unsigned flags,
			   const struct line_scan *known)
{
	struct line_scan whole;
	const struct line_scan *sc = known;
	size_t check = len;

	if (!sc) {
		scan_whole(s, len, &whole);
		sc = &whole;
	}
	if (sc->nul)
		flags |= BG_LINE_HAS_NUL;
	if (flags & BG_LINE_TOO_LONG)
		check = trim_partial_utf8(s, len);
	/* ASCII before the first high byte is UTF-8 as it is */
	if (sc->high < check && !bg_utf8_valid(s + sc->high, check - sc->high))
		flags |= BG_LINE_BAD_UTF8;
	/* From UTF-16 a U+FFFD stands for a broken unit the decoder replaced. */
	if (in->cs == CS_UTF16LE || in->cs == CS_UTF16BE) {
		if (memmem(s, len, "\xef\xbf\xbd", 3))
			flags |= BG_LINE_BAD_UTF8;
	}
	return flags;
}

/* Where the first '\n' or '\r' of b (avail bytes) is (avail: none), and
 * before it whether there is a NUL and where the first byte >= 0x80 is (high:
 * avail if none).  One look at every byte of every line for all three (SSE2
 * sixteen bytes at a time where there is), where memchr for LF, memchr for CR
 * and a scan for NUL and high bytes each read it; a CRLF file goes as fast as
 * an LF one.  Inline: with scan_whole its second caller, gcc stopped inlining
 * it into the reading loop, ~25 instructions a line (bench-guard). */
static inline size_t scan_line(const char *b, size_t avail, struct line_scan *sc)
{
	size_t i = 0;

	sc->nul = false;
	sc->high = avail;
#if defined(__SSE2__)
	{
		const __m128i lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
		const __m128i zero = _mm_setzero_si128();

		for (; i + 16 <= avail; i += 16) {
			const __m128i v = _mm_loadu_si128((const void *)(b + i));
			unsigned e = (unsigned)_mm_movemask_epi8(
			    _mm_or_si128(_mm_cmpeq_epi8(v, lf), _mm_cmpeq_epi8(v, cr)));
			unsigned h = (unsigned)_mm_movemask_epi8(v);
			unsigned z = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, zero));

			if (e) {
				unsigned before = (1u << __builtin_ctz(e)) - 1;

				h &= before;
				z &= before;
			}
			if (h && sc->high == avail)
				sc->high = i + (size_t)__builtin_ctz(h);
			sc->nul = sc->nul || z != 0;
			if (e)
				return i + (size_t)__builtin_ctz(e);
		}
	}
#endif
	for (; i < avail; i++) {
		unsigned char c = (unsigned char)b[i];

		if (c == '\n' || c == '\r')
			return i;
		sc->nul = sc->nul || c == '\0';
		if (c >= 0x80 && sc->high == avail)
			sc->high = i;
	}
	return avail;
}

int bg_input_getline(struct bg_input *in, const char **line, size_t *len, unsigned *flags,
		     struct bg_err *err)
{
	size_t n = 0, chunk, take, i, cut = 0;
	unsigned fl = 0;
	bool got = false, ended = false, cont = false;
	/* the NUL and the first high byte of the line, from its scan; whole: the
	 * line is exactly the bytes scanned (not a piece, not cut short) */
	struct line_scan seen = {false, SIZE_MAX}, sc;
	bool whole = true;
	long r;
	char c = 0;

	*line = in->line;
	*len = 0;
	*flags = 0;
	if (in->err.code) {
		copy_err(in, err);
		return in->err.code;
	}
	/* The rest of a long line after the piece handed out last. */
	if (in->mid_line) {
		in->line[in->carry_off] = in->carry_first;
		memmove(in->line, in->line + in->carry_off, in->carry_len);
		n = in->carry_len;
		in->carry_len = 0;
		in->mid_line = false;
		got = n > 0;
		cont = true;
		whole = false;
	}
	/* Runs of empty lines (padding, a 10 GiB gzip of them) go by at memory
	 * speed: counted for the line numbers, never handed out. */
	while (in->skip_blank && !cont) {
		const char *p, *e, *q;

		if ((r = dec_more(in, err)) <= 0)
			return (int)r;
		p = in->dec + in->dec_pos;
		e = in->dec + in->dec_len;
		if (*p == '\n' && in->pending_cr) {
			in->pending_cr = false;
			in->dec_pos++;
			continue;
		}
		if (*p == '\r') {
			in->lineno++;
			in->pending_cr = true;
			in->dec_pos++;
			continue;
		}
		in->pending_cr = false;
		for (q = p; q < e && *q == '\n'; q++)
			;
		if (q == p)
			break;
		in->lineno += (unsigned long)(q - p);
		in->dec_pos += (size_t)(q - p);
	}
	while (!ended) {
		if ((r = dec_more(in, err)) < 0)
			return (int)r;
		if (r == 0)
			break;
		if (in->pending_cr) {
			in->pending_cr = false;
			if (in->dec[in->dec_pos] == '\n') {
				in->dec_pos++;
				continue;
			}
		}
		chunk = scan_line(in->dec + in->dec_pos, in->dec_len - in->dec_pos, &sc);
		i = in->dec_pos + chunk;
		c = i < in->dec_len ? in->dec[i] : 0;
		take = chunk;
		if (take > BG_LINE_MAX - n) {
			take = BG_LINE_MAX - n;
			if (in->pieces && !(fl & BG_LINE_TOO_LONG)) {
				memcpy(in->line + n, in->dec + in->dec_pos, take);
				if ((cut = in->pieces(in->line, n + take)) > 0) {
					/* The line goes on in dec: this piece ends at cut. */
					in->dec_pos += take;
					in->carry_off = cut;
					in->carry_len = n + take - cut;
					n = cut;
					fl |= BG_LINE_PIECE;
					got = true;
					whole = false;
					break;
				}
			}
			fl |= BG_LINE_TOO_LONG;
			whole = false;
		}
		memcpy(in->line + n, in->dec + in->dec_pos, take);
		seen.nul = seen.nul || sc.nul;
		if (seen.high == SIZE_MAX && sc.high < chunk)
			seen.high = n + sc.high;
		n += take;
		got = true;
		in->dec_pos = i;
		if (i < in->dec_len) {
			in->dec_pos++;
			in->pending_cr = c == '\r';
			ended = true;
		}
	}
	if (!got)
		return 0;
	if (fl & BG_LINE_PIECE) {
		in->carry_first = in->line[n]; /* under the NUL until the next call */
		in->mid_line = true;
	}
	in->line[n] = '\0';
	if (!cont)
		in->lineno++;
	*len = n;
	if (seen.high == SIZE_MAX)
		seen.high = n;
	*flags = line_flags(in, in->line, n, fl, whole ? &seen : NULL);
	if ((*flags & BG_LINE_BAD_UTF8) && !cont) {
		if (!in->bad_lines++)
			in->first_bad = in->lineno;
	}
	return 1;
}
