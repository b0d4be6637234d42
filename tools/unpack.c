/* unpack.c: archives through libarchive (see unpack.h).
 * zip, 7z and rar want to seek (the central directory, the 7z header at the
 * end): they are read from the file itself when it is a plain file, else from
 * an unlinked spool.  tar and cpio stream from the decompressed input.  A
 * seekable archive is walked twice: first its headers only (member count,
 * declared sizes, whether it is a workbook), then its data. */
#include "unpack.h"

#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "encoding.h"
#include "safeopen.h"
#include "workbook.h"

#define NAME_MAX_SHOWN 512
#define RATIO_FLOOR (1ULL << 20) /* below this much unpacked, no ratio check */
#define PWFILE_MAX 4096

void bg_unpack_init(struct bg_unpack *u)
{
	memset(u, 0, sizeof(*u));
	u->max_bytes = BG_UNPACK_MAX_BYTES;
	u->max_members = BG_UNPACK_MAX_MEMBERS;
	u->max_ratio = BG_UNPACK_MAX_RATIO;
}

void bg_unpack_free(struct bg_unpack *u)
{
	for (size_t i = 0; i < u->npasswords; i++) {
		explicit_bzero(u->passwords[i], strlen(u->passwords[i]));
		free(u->passwords[i]);
		u->passwords[i] = NULL;
	}
	u->npasswords = 0;
}

int bg_unpack_passwords(struct bg_unpack *u, const char *path, struct bg_err *err)
{
	char buf[PWFILE_MAX + 1];
	struct stat st;
	size_t len = 0, i = 0;
	ssize_t n;
	int fd, rc = 0;

	u->password_file = path;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		rc = -errno;
		bg_err_set(err, rc, "--password-file %s: %s", path,
			   rc == -ELOOP ? "a symbolic link (not followed: give the file itself)"
					: strerror(-rc));
		return rc;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		bg_err_set(err, -EINVAL, "--password-file %s: not a regular file", path);
		rc = -EINVAL;
		goto out;
	}
	if (st.st_size > PWFILE_MAX) {
		bg_err_set(err, -EFBIG,
			   "--password-file %s: larger than %d bytes; one password a line", path,
			   PWFILE_MAX);
		rc = -EFBIG;
		goto out;
	}
	if (st.st_mode & 0077)
		fprintf(stderr,
			"breachguard: warning: --password-file %s is readable by group or "
			"others (chmod 600 it)\n",
			path);
	n = bg_read_full(fd, buf, PWFILE_MAX);
	if (n < 0) {
		rc = (int)n;
		bg_err_set(err, rc, "--password-file %s: %s", path, strerror(-rc));
		goto out;
	}
	len = (size_t)n;
	buf[len] = '\0';
	/* A UTF-8 byte order mark (Windows Notepad saves one) is no password's. */
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	/* One password a line, exactly as written but for the line end. */
	while (i < len && u->npasswords < BG_UNPACK_PASSWORDS) {
		char *nl = memchr(buf + i, '\n', len - i);
		size_t e = nl ? (size_t)(nl - buf) : len, k = e;

		if (k > i && buf[k - 1] == '\r')
			k--;
		if (k > i) {
			u->passwords[u->npasswords] = strndup(buf + i, k - i);
			if (!u->passwords[u->npasswords]) {
				rc = bg_err_set(err, -ENOMEM, "--password-file %s: out of memory",
						path);
				goto out;
			}
			u->npasswords++;
		}
		i = e + 1;
	}
	if (u->npasswords == 0) {
		rc = bg_err_set(err, -EINVAL, "--password-file %s: holds no password", path);
	}
out:
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	return rc;
}

/* --- kinds ------------------------------------------------------------------- */

static bool octal_field(const unsigned char *p, size_t n, unsigned long *out)
{
	unsigned long v = 0;
	size_t i = 0;
	bool digits = false;

	while (i < n && p[i] == ' ')
		i++;
	for (; i < n && p[i] >= '0' && p[i] <= '7'; i++) {
		v = v * 8 + (unsigned long)(p[i] - '0');
		digits = true;
	}
	if (i < n && p[i] != ' ' && p[i] != '\0')
		return false;
	*out = v;
	return digits;
}

/* A tar header block: "ustar" magic, or an old v7 header whose checksum adds up. */
static bool tar_header(const unsigned char *p, size_t n)
{
	unsigned long want, sum = 0;

	if (n < 512)
		return false;
	if (memcmp(p + 257, "ustar", 5) == 0)
		return true;
	if (p[0] == '\0' || !octal_field(p + 148, 8, &want))
		return false;
	for (size_t i = 0; i < 512; i++)
		sum += (i >= 148 && i < 156) ? ' ' : p[i];
	return sum == want;
}

int bg_archive_kind(struct bg_input *in)
{
	const unsigned char *p;
	long got = bg_input_peek_plain(in, &p, 512);
	size_t n;

	if (got < 0)
		return BG_ARCHIVE_NONE; /* the reader reports the input's error */
	n = (size_t)got;
	if (n >= 4 && (memcmp(p, "PK\x03\x04", 4) == 0 || memcmp(p, "PK\x05\x06", 4) == 0 ||
		       memcmp(p, "PK\x07\x08", 4) == 0))
		return BG_ARCHIVE_ZIP;
	if (n >= 6 && memcmp(p, "7z\xbc\xaf\x27\x1c", 6) == 0)
		return BG_ARCHIVE_7Z;
	if (n >= 6 && memcmp(p, "Rar!\x1a\x07", 6) == 0)
		return BG_ARCHIVE_RAR;
	if (tar_header(p, n))
		return BG_ARCHIVE_TAR;
	/* cpio: "070701"/"070702" (newc, crc), "070707" (odc), or the old binary
	 * header's 070707 in either byte order. */
	if ((n >= 6 && (memcmp(p, "070701", 6) == 0 || memcmp(p, "070702", 6) == 0 ||
			memcmp(p, "070707", 6) == 0)) ||
	    (n >= 26 && ((p[0] == 0xc7 && p[1] == 0x71) || (p[0] == 0x71 && p[1] == 0xc7))))
		return BG_ARCHIVE_CPIO;
	return BG_ARCHIVE_NONE;
}

const char *bg_archive_kind_name(int kind)
{
	switch (kind) {
	case BG_ARCHIVE_ZIP:
		return "zip";
	case BG_ARCHIVE_7Z:
		return "7z";
	case BG_ARCHIVE_RAR:
		return "rar";
	case BG_ARCHIVE_TAR:
		return "tar";
	case BG_ARCHIVE_CPIO:
		return "cpio";
	default:
		return "";
	}
}

/* --- spools ------------------------------------------------------------------ */

int bg_spool_open(void)
{
	return bg_spool_open_in(NULL);
}

int bg_spool_open_in(const char **dir)
{
	static const char *const dirs[] = {NULL, "/var/tmp", "/tmp"};
	int fd = -1;

	for (int i = 0; i < 3 && fd < 0; i++) {
		const char *d = i == 0 ? getenv("TMPDIR") : dirs[i];

		if (!d || !*d)
			continue;
		if (dir)
			*dir = d;
		fd = open(d, O_TMPFILE | O_RDWR | O_CLOEXEC | O_EXCL, 0600);
		if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR)) {
			char path[4096];

			/* no O_TMPFILE on this file system: a named file, unlinked at once */
			if (snprintf(path, sizeof(path), "%s/bg-spool-XXXXXX", d) >=
			    (int)sizeof(path))
				continue;
			fd = mkostemp(path, O_CLOEXEC);
			if (fd >= 0)
				unlink(path);
		}
	}
	return fd < 0 ? -errno : fd;
}

int bg_spool_input(struct bg_input *in, unsigned long long cap, struct bg_err *err)
{
	static char buf[64 * 1024];
	unsigned long long total = 0;
	int fd = bg_spool_open();
	long n;

	if (fd < 0) {
		return bg_err_set(err, fd, "%s: no temporary file to unpack it in (%s; set TMPDIR)",
				  bg_input_name(in), strerror(-fd));
	}
	while ((n = bg_input_read_plain(in, buf, sizeof(buf), err)) > 0) {
		int w;

		total += (unsigned long long)n;
		if (total > cap) {
			bg_err_set(err, -EFBIG,
				   "%s: larger than %llu MiB unpacked; unpack it first",
				   bg_input_name(in), cap >> 20);
			close(fd);
			return -EFBIG;
		}
		if ((w = bg_write_full(fd, buf, (size_t)n)) < 0) {
			bg_err_set(err, w, "%s: writing the temporary copy: %s", bg_input_name(in),
				   strerror(-w));
			close(fd);
			return w;
		}
	}
	if (n < 0) {
		close(fd);
		return (int)n;
	}
	if (lseek(fd, 0, SEEK_SET) != 0) {
		n = -errno;
		bg_err_set(err, (int)n, "%s: temporary copy: %s", bg_input_name(in),
			   strerror((int)-n));
		close(fd);
		return (int)n;
	}
	return fd;
}

/* --- libarchive sources -------------------------------------------------------- */

struct src {
	struct bg_input *in; /* streaming: the decompressed input */
	int fd;		     /* seekable: a file, read with pread */
	off_t pos, size;
	char buf[64 * 1024];
};

static la_ssize_t src_read(struct archive *a, void *arg, const void **out)
{
	struct src *s = arg;
	struct bg_err err = BG_ERR_INIT;
	long n;

	*out = s->buf;
	if (s->fd < 0) {
		n = bg_input_read_plain(s->in, s->buf, sizeof(s->buf), &err);
		if (n < 0) {
			archive_set_error(a, EIO, "%s", err.msg);
			return -1;
		}
		return n;
	}
	for (;;) {
		ssize_t r = pread(s->fd, s->buf, sizeof(s->buf), s->pos);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			archive_set_error(a, errno, "read error: %s", strerror(errno));
			return -1;
		}
		s->pos += r;
		return r;
	}
}

static la_int64_t src_seek(struct archive *a, void *arg, la_int64_t off, int whence)
{
	struct src *s = arg;
	la_int64_t to = whence == SEEK_SET   ? off
			: whence == SEEK_CUR ? s->pos + off
					     : s->size + off;

	(void)a;
	if (to < 0)
		return ARCHIVE_FATAL;
	s->pos = (off_t)to;
	return to;
}

static la_int64_t src_skip(struct archive *a, void *arg, la_int64_t req)
{
	struct src *s = arg;
	la_int64_t left = s->size - s->pos;

	(void)a;
	if (s->fd < 0)
		return 0; /* streaming: libarchive reads through instead */
	if (req > left)
		req = left;
	s->pos += (off_t)req;
	return req;
}

/* NULL when out of memory; *ok false when the archive cannot be opened. */
static struct archive *open_archive(struct bg_unpack *u, struct src *s, int kind, bool *ok)
{
	struct archive *a = archive_read_new();

	if (!a)
		return NULL;
	switch (kind) {
	case BG_ARCHIVE_ZIP:
		if (s->fd >= 0)
			archive_read_support_format_zip_seekable(a);
		else
			archive_read_support_format_zip_streamable(a);
		break;
	case BG_ARCHIVE_7Z:
		archive_read_support_format_7zip(a);
		break;
	case BG_ARCHIVE_RAR:
		archive_read_support_format_rar(a);
		archive_read_support_format_rar5(a);
		break;
	default:
		archive_read_support_format_tar(a);
		archive_read_support_format_cpio(a);
		break;
	}
	for (size_t i = 0; i < u->npasswords; i++)
		archive_read_add_passphrase(a, u->passwords[i]);
	archive_read_set_callback_data(a, s);
	archive_read_set_read_callback(a, src_read);
	if (s->fd >= 0) {
		archive_read_set_seek_callback(a, src_seek);
		archive_read_set_skip_callback(a, src_skip);
	}
	s->pos = 0;
	*ok = archive_read_open1(a) == ARCHIVE_OK;
	return a;
}

/* --- names ------------------------------------------------------------------------ */

/* The --max-members limit is reached in archive name. */
static int too_many_members(const struct bg_unpack *u, const char *name, struct bg_err *err)
{
	return bg_err_set(err, -EFBIG,
			  "%s: more than %lu members (limit --max-members); unpack it yourself",
			  name, u->max_members);
}

/* A member's name as UTF-8: libarchive's UTF-8 form when the archive says which
 * encoding it used; otherwise the raw bytes if they are UTF-8, else CP932 (the
 * Japanese Windows zip without the UTF-8 flag), else escaped. */
static void member_name(struct archive_entry *e, char *out, size_t outlen)
{
	const char *u8, *raw;
	size_t o = 0;

	/* libarchive ends the process when a name it cannot convert leaves errno
	 * at ENOMEM, even an ENOMEM left over from an earlier call: start clean. */
	errno = 0;
	u8 = archive_entry_pathname_utf8(e);
	errno = 0;
	raw = archive_entry_pathname(e);

	if (!raw)
		raw = "";
	if (u8 && bg_utf8_valid(u8, strlen(u8)) && (bg_utf8_valid(raw, strlen(raw)) || !raw[0])) {
		snprintf(out, outlen, "%s", u8);
	} else if (bg_utf8_valid(raw, strlen(raw))) {
		snprintf(out, outlen, "%s", raw);
	} else {
		iconv_t cd = iconv_open("UTF-8", "CP932");
		char *ip = (char *)raw, *op = out;
		size_t il = strlen(raw), ol = outlen - 1;

		if (cd != (iconv_t)-1 && iconv(cd, &ip, &il, &op, &ol) != (size_t)-1 && il == 0) {
			*op = '\0';
		} else {
			for (const unsigned char *p = (const unsigned char *)raw;
			     *p && o + 5 < outlen; p++)
				o += (size_t)snprintf(out + o, outlen - o,
						      *p < 0x80 ? "%c" : "\\x%02x", *p);
			out[o] = '\0';
		}
		if (cd != (iconv_t)-1)
			iconv_close(cd);
	}
	/* Shown and put in JSON: no control characters. */
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
}

static const char *kind_what(int kind)
{
	switch (kind) {
	case BG_ARCHIVE_ZIP:
		return "a zip archive (or workbook) that cannot be read";
	case BG_ARCHIVE_7Z:
		return "a 7z archive that cannot be read";
	case BG_ARCHIVE_RAR:
		return "a rar archive that cannot be read";
	case BG_ARCHIVE_CPIO:
		return "a cpio archive that cannot be read";
	default:
		return "a tar archive that cannot be read";
	}
}

/* --- errors --------------------------------------------------------------------------- */

/* What to do with an encrypted archive libarchive cannot decrypt (7z, rar). */
#define NO_DECRYPT "unpack it (7z x) and import the files, or re-pack them as an AES zip"

static bool about_password(const char *msg)
{
	return msg &&
	       (strstr(msg, "assphrase") || strstr(msg, "ncrypt") || strstr(msg, "password"));
}

static int archive_fail(struct bg_unpack *u, struct archive *a, const char *name, const char *what,
			struct bg_err *err)
{
	const char *msg = a ? archive_error_string(a) : NULL;

	if (msg && strstr(msg, "ncrypt") && strstr(msg, "not supported")) {
		bg_err_set(
		    err, -ENOTSUP,
		    "%s: an encrypted 7z or rar archive, which cannot be read here; " NO_DECRYPT,
		    name);
		return -ENOTSUP;
	}
	if (about_password(msg) && u->npasswords == 0) {
		bg_err_set(err, -EACCES,
			   "%s: encrypted archive: give --password-file FILE (the password "
			   "on a line of its own)",
			   name);
		return -EACCES;
	}
	if (about_password(msg)) {
		if (strstr(msg, "ncorrect") || strstr(msg, "required"))
			bg_err_set(err, -EACCES,
				   "%s: wrong password: none of the %zu password(s) in %s opens it",
				   name, u->npasswords, u->password_file);
		else
			bg_err_set(err, -EACCES, "%s: cannot decrypt (%s)", name, msg);
		return -EACCES;
	}
	bg_err_set(err, -EBADMSG,
		   "%s: %s (%s): damaged or cut short? get it again, or export the list "
		   "as CSV",
		   name, what, msg ? msg : "unreadable");
	return -EBADMSG;
}

/* --- limits ------------------------------------------------------------------------------ */

struct member_ctx {
	struct bg_unpack *u;
	struct archive *a;
	const char *archive_name;
};

static unsigned long long packed_size(const struct member_ctx *m)
{
	unsigned long long p = m->u->packed;

	if (!p && m->u->top)
		p = bg_input_bytes(m->u->top); /* a stream: what was read of it so far */
	return p ? p : 1;
}

/* Every decompressed byte of every member passes here. */
static int budget(void *arg, size_t n, struct bg_err *err)
{
	struct member_ctx *m = arg;
	struct bg_unpack *u = m->u;

	u->unpacked += n;
	if (u->unpacked > u->max_bytes) {
		bg_err_set(
		    err, -EFBIG,
		    "unpacks to more than %llu MiB (limit --max-unpacked); a zip bomb, or unpack "
		    "it yourself and import the files",
		    u->max_bytes >> 20);
		return -EFBIG;
	}
	if (u->unpacked > RATIO_FLOOR && u->unpacked / packed_size(m) > u->max_ratio) {
		bg_err_set(
		    err, -EFBIG,
		    "unpacks at more than %u times its packed size (limit --max-ratio): a zip "
		    "bomb? unpack it yourself and import the files",
		    u->max_ratio);
		return -EFBIG;
	}
	return 0;
}

static long member_read(void *arg, void *buf, size_t n, struct bg_err *err)
{
	struct member_ctx *m = arg;
	la_ssize_t r;

	do
		r = archive_read_data(m->a, buf, n);
	while (r == ARCHIVE_RETRY);
	if (r >= 0)
		return (long)r;
	{
		const char *msg = archive_error_string(m->a);

		if (about_password(msg) && m->u->npasswords == 0)
			return bg_err_set(err, -EACCES,
					  "encrypted archive: give --password-file FILE (the "
					  "password on a line of its own)");
		if (about_password(msg))
			return bg_err_set(
			    err, -EACCES,
			    "wrong password: none of the %zu password(s) in %s opens it",
			    m->u->npasswords, m->u->password_file);
		return bg_err_set(err, -EBADMSG, "corrupt %s member (%s)", m->archive_name,
				  msg ? msg : "read error");
	}
}

/* --- the walk -------------------------------------------------------------------------------- */

enum wb_hint { WB_NONE, WB_XLSX, WB_ODS, WB_OTHER_OFFICE };

/* Headers only: counts, declared sizes, and what kind of zip this is. */
static int prepass(struct bg_unpack *u, struct src *s, int kind, const char *name, int *wb,
		   struct bg_err *err)
{
	struct archive_entry *e;
	unsigned long long declared = 0;
	unsigned long count = 0;
	bool content_types = false, xl = false, word = false, ok = false;
	struct archive *a = open_archive(u, s, kind, &ok);
	int r, rc = 0;

	*wb = WB_NONE;
	if (!a) {
		bg_err_set(err, -ENOMEM, "%s: out of memory", name);
		return -ENOMEM;
	}
	if (!ok) {
		rc = archive_fail(u, a, name, kind_what(kind), err);
		goto out;
	}
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		const char *p;

		errno = 0; /* see member_name() */
		p = archive_entry_pathname(e);

		if (++count > u->max_members) {
			rc = too_many_members(u, name, err);
			goto out;
		}
		if (archive_entry_size_is_set(e) && archive_entry_size(e) > 0)
			declared += (unsigned long long)archive_entry_size(e);
		if (!p)
			continue;
		if (strcmp(p, "[Content_Types].xml") == 0)
			content_types = true;
		else if (strncmp(p, "xl/", 3) == 0)
			xl = true;
		else if (strncmp(p, "word/", 5) == 0 || strncmp(p, "ppt/", 4) == 0)
			word = true;
		else if (strcmp(p, "mimetype") == 0 && kind == BG_ARCHIVE_ZIP) {
			char mt[80] = "";
			la_ssize_t n = archive_read_data(a, mt, sizeof(mt) - 1);

			if (n > 0) {
				mt[n] = '\0';
				if (strcmp(mt, "application/vnd.oasis.opendocument.spreadsheet") ==
				    0)
					*wb = WB_ODS;
				else if (strncmp(mt, "application/vnd.oasis.opendocument.", 35) ==
					 0)
					*wb = WB_OTHER_OFFICE;
			}
		}
	}
	if (r != ARCHIVE_EOF) {
		rc = archive_fail(u, a, name, kind_what(kind), err);
		goto out;
	}
	if (content_types && xl)
		*wb = WB_XLSX;
	else if (content_types && word && *wb == WB_NONE)
		*wb = WB_OTHER_OFFICE;
	if (*wb == WB_NONE && u->unpacked + declared > u->max_bytes) {
		bg_err_set(err, -EFBIG,
			   "%s: its members would unpack to %llu MiB, more than %llu MiB (limit "
			   "--max-unpacked); unpack it yourself",
			   name, declared >> 20, u->max_bytes >> 20);
		rc = -EFBIG;
	}
out:
	archive_read_free(a);
	return rc;
}

static int walk(struct bg_unpack *u, struct src *s, int kind, const char *name, int depth,
		struct bg_err *err)
{
	struct member_ctx m = {u, NULL, bg_archive_kind_name(kind)};
	struct archive_entry *e;
	char mname[NAME_MAX_SHOWN], full[1024];
	bool ok = false;
	int r, rc = 0;

	m.a = open_archive(u, s, kind, &ok);
	if (!m.a) {
		bg_err_set(err, -ENOMEM, "%s: out of memory", name);
		return -ENOMEM;
	}
	if (!ok) {
		rc = archive_fail(u, m.a, name, kind_what(kind), err);
		goto out;
	}
	while ((r = archive_read_next_header(m.a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		struct bg_input *in = NULL;
		mode_t type = archive_entry_filetype(e);
		int sub;

		member_name(e, mname, sizeof(mname));
		snprintf(full, sizeof(full), "%s:%s", name, mname);
		if (type == AE_IFDIR)
			continue;
		if (++u->members > u->max_members) {
			rc = too_many_members(u, name, err);
			goto out;
		}
		if (type != AE_IFREG) {
			if (u->skipped)
				u->skipped(u->arg, full,
					   "not a regular file (a link or device); skipped");
			continue;
		}
		/* libarchive decrypts zip only: a 7z or rar member that is
		 * encrypted cannot be read whatever the password. */
		if (archive_entry_is_encrypted(e) &&
		    (kind == BG_ARCHIVE_7Z || kind == BG_ARCHIVE_RAR)) {
			bg_err_set(
			    err, -ENOTSUP,
			    "%s: an encrypted %s archive, which cannot be read here; " NO_DECRYPT,
			    full, bg_archive_kind_name(kind));
			rc = -ENOTSUP;
			goto out;
		}
		if (archive_entry_is_encrypted(e) && u->npasswords == 0) {
			bg_err_set(err, -EACCES,
				   "%s: encrypted archive: give --password-file FILE (the "
				   "password on a line of its own)",
				   full);
			rc = -EACCES;
			goto out;
		}
		rc = bg_input_open_stream(&in, full, member_read, &m,
					  archive_entry_size_is_set(e) && archive_entry_size(e) > 0
					      ? (unsigned long long)archive_entry_size(e)
					      : 0,
					  err);
		if (rc != 0)
			goto out;
		bg_input_set_budget(in, budget, &m);
		sub = bg_archive_kind(in);
		if (sub != BG_ARCHIVE_NONE)
			rc = bg_unpack_read(u, in, sub, depth + 1, err);
		else
			rc = u->member(u->arg, in, depth + 1, err); /* a member is one level in */
		bg_input_close(in);
		if (rc != 0)
			goto out;
	}
	if (r != ARCHIVE_EOF)
		rc = archive_fail(u, m.a, name, kind_what(kind), err);
out:
	archive_read_free(m.a);
	return rc;
}

static int unpack_read(struct bg_unpack *u, struct bg_input *in, int kind, int depth,
		       struct bg_err *err);

/* libarchive converts member names to the locale's charset: in the C locale a
 * UTF-8-flagged Japanese name cannot be converted and comes back empty.  This
 * thread reads archives in C.UTF-8 (LC_CTYPE only; per thread, so nothing else
 * in the process sees it); names without the flag are left as bytes and
 * member_name() reads them as CP932. */
int bg_unpack_read(struct bg_unpack *u, struct bg_input *in, int kind, int depth,
		   struct bg_err *err)
{
	locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0), old = (locale_t)0;
	int rc;

	if (utf8)
		old = uselocale(utf8);
	rc = unpack_read(u, in, kind, depth, err);
	if (utf8) {
		uselocale(old);
		freelocale(utf8);
	}
	return rc;
}

static int unpack_read(struct bg_unpack *u, struct bg_input *in, int kind, int depth,
		       struct bg_err *err)
{
	struct src *s = calloc(1, sizeof(*s));
	const char *name = bg_input_name(in);
	unsigned long long size = 0;
	int fd, spool = -1, wb = WB_NONE, rc = 0;

	if (!s) {
		bg_err_set(err, -ENOMEM, "%s: out of memory", name);
		return -ENOMEM;
	}
	if (kind == BG_ARCHIVE_ZIP) {
		const unsigned char *h;

		/* Only the end record: a zip with no member at all, not a damaged one. */
		if (bg_input_peek_plain(in, &h, 4) >= 4 && memcmp(h, "PK\x05\x06", 4) == 0) {
			free(s);
			if (depth > 0 && u->skipped) {
				u->skipped(u->arg, name, "an empty zip archive (no member)");
				return 0;
			}
			return bg_err_set(err, -ENODATA, "%s: an empty zip archive (no member)",
					  name);
		}
	}
	if (depth == 0)
		u->top = in;
	s->in = in;
	s->fd = -1;
	if (kind != BG_ARCHIVE_TAR && kind != BG_ARCHIVE_CPIO) {
		fd = bg_input_seekable_fd(in, &size);
		if (fd < 0) {
			spool = bg_spool_input(in, BG_SPOOL_MAX, err);
			if (spool < 0) {
				rc = spool;
				goto out;
			}
			fd = spool;
			size = (unsigned long long)lseek(fd, 0, SEEK_END);
		}
		s->fd = fd;
		s->size = (off_t)size;
		if (depth == 0)
			u->packed = size;
		rc = prepass(u, s, kind, name, &wb, err);
		if (rc != 0)
			goto out;
		if (kind == BG_ARCHIVE_ZIP && wb == WB_NONE && lseek(fd, 0, SEEK_SET) == 0) {
			int k = bg_workbook_kind(fd);

			wb = k == BG_WORKBOOK_XLSX  ? WB_XLSX
			     : k == BG_WORKBOOK_ODS ? WB_ODS
						    : WB_NONE;
		}
		if (wb == WB_OTHER_OFFICE) {
			bg_err_set(
			    err, -EINVAL,
			    "%s: an office document (word processing or slides), not a list; save "
			    "it as text or CSV and import that",
			    name);
			rc = -EINVAL;
			goto out;
		}
		if (wb != WB_NONE) {
			if (lseek(fd, 0, SEEK_SET) != 0) {
				rc = -errno;
				bg_err_set(err, rc, "%s: %s", name, strerror(errno));
				goto out;
			}
			rc = u->workbook(u->arg, fd,
					 wb == WB_ODS ? BG_WORKBOOK_ODS : BG_WORKBOOK_XLSX, name,
					 err);
			goto out;
		}
	} else if (depth == 0) {
		u->packed = bg_input_size(in);
	}
	if (depth > BG_UNPACK_DEPTH) {
		bg_err_set(
		    err, -ELOOP,
		    "%s: an archive inside an archive inside an archive: nested more than %d "
		    "level deep; unpack the outer ones yourself",
		    name, BG_UNPACK_DEPTH);
		rc = -ELOOP;
		goto out;
	}
	rc = walk(u, s, kind, name, depth, err);
out:
	if (spool >= 0)
		close(spool);
	free(s);
	return rc;
}
