/* unpack.h: the archive layer, between the input and the readers.
 * zip (plain, ZipCrypto or AES with --password-file; names in CP932 without the
 * UTF-8 flag too), 7z, tar and cpio (under any compressor bg_input knows), rar:
 * every member becomes an input of its own, named "archive:member", and goes
 * through format detection like a file.  A zip that is a workbook (.xlsx, .ods)
 * goes to the workbook reader instead.  Archives nest one level deep.  Limits
 * against bombs: total bytes unpacked, member count, and the ratio of bytes
 * unpacked to bytes of the archive; over one, the import stops with a clear
 * error (and writes nothing: the import fails as a whole). */
#ifndef BG_UNPACK_H
#define BG_UNPACK_H

#include <stdbool.h>
#include <stddef.h>

#include "input.h"

#define BG_UNPACK_MAX_BYTES (4ULL << 30) /* 4 GiB unpacked in all */
#define BG_UNPACK_MAX_MEMBERS 10000UL
#define BG_UNPACK_MAX_RATIO 100U  /* unpacked : packed, once past 1 MiB */
#define BG_UNPACK_DEPTH 1	  /* an archive inside an archive, no deeper */
#define BG_UNPACK_PASSWORDS 16	  /* lines read from --password-file */
#define BG_SPOOL_MAX (1ULL << 30) /* a workbook or nested archive spooled */

enum bg_archive_kind {
	BG_ARCHIVE_NONE = 0,
	BG_ARCHIVE_ZIP,
	BG_ARCHIVE_7Z,
	BG_ARCHIVE_RAR,
	BG_ARCHIVE_TAR,
	BG_ARCHIVE_CPIO,
};

struct bg_unpack {
	/* set by the caller */
	unsigned long long max_bytes;
	unsigned long max_members;
	unsigned max_ratio;
	const char *password_file;
	/* A member (or a nested member) to detect and read: in is open and named
	 * "archive:member".  0, or a negative errno with err set. */
	int (*member)(void *arg, struct bg_input *in, int depth, struct bg_err *err);
	/* A workbook (kind: BG_WORKBOOK_XLSX or _ODS), open on a seekable fd at 0. */
	int (*workbook)(void *arg, int fd, int kind, const char *name, struct bg_err *err);
	/* A member not read (a directory is not reported; a link or device is). */
	void (*skipped)(void *arg, const char *name, const char *why);
	void *arg;

	/* kept by the layer */
	char *passwords[BG_UNPACK_PASSWORDS];
	size_t npasswords;
	unsigned long long unpacked, packed;
	struct bg_input *top;
	unsigned long members;
};

void bg_unpack_init(struct bg_unpack *u);
/* Reads --password-file: a regular file, at most 4 KiB, one password a line
 * (each is tried).  0, or a negative errno with err set. */
int bg_unpack_passwords(struct bg_unpack *u, const char *path, struct bg_err *err);
void bg_unpack_free(struct bg_unpack *u);

/* What the decompressed head of in is. */
int bg_archive_kind(struct bg_input *in);
const char *bg_archive_kind_name(int kind);
/* Reads the archive in (of that kind) at depth (0 for a file named on the
 * command line), calling u->member for every member.  0 or a negative errno
 * with err set ("notice.zip: ..."). */
int bg_unpack_read(struct bg_unpack *u, struct bg_input *in, int kind, int depth,
		   struct bg_err *err);

/* A seekable copy of what is left of in (an unlinked file in $TMPDIR, at most
 * cap bytes): for workbooks and archives that are not files.  fd or a negative
 * errno with err set. */
int bg_spool_input(struct bg_input *in, unsigned long long cap, struct bg_err *err);
/* An unlinked temporary file, read-write, in $TMPDIR, /var/tmp or /tmp (the
 * first that takes one).  fd or a negative errno. */
int bg_spool_open(void);
/* bg_spool_open, and *dir (when dir is not NULL): the directory the file is in,
 * or the last one tried when none took it; for messages. */
int bg_spool_open_in(const char **dir);

#endif
