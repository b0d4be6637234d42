/* safeopen.c: open the files we must trust, refusing what an attacker could
 * have planted or changed: symlinks, foreign owners, group/world write. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "safeopen.h"

static int owner_ok(uid_t uid)
{
#ifdef BG_TEST_BUILD
	return uid == 0 || uid == geteuid();
#else
	return uid == 0;
#endif
}

int bg_check_trusted(const struct stat *st, const char **why)
{
	if (S_ISLNK(st->st_mode)) {
		*why = "is a symbolic link";
		return -ELOOP;
	}
	if (!owner_ok(st->st_uid)) {
		*why = "is not owned by root";
		return -EPERM;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		*why = "is writable by group or others";
		return -EPERM;
	}
	return 0;
}

int bg_open_regular(const char *path, int trusted, off_t max_size, struct stat *st,
		    const char **why)
{
	int fd, err;

	*why = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		err = -errno;
		*why = err == -ELOOP ? "is a symbolic link" : NULL;
		return err;
	}
	if (fstat(fd, st) != 0) {
		err = -errno;
		goto fail;
	}
	if (!S_ISREG(st->st_mode)) {
		*why = S_ISDIR(st->st_mode) ? "is a directory" : "is not a regular file";
		err = -EINVAL;
		goto fail;
	}
	if (trusted && (err = bg_check_trusted(st, why)) != 0)
		goto fail;
	if (max_size > 0 && st->st_size > max_size) {
		*why = "is too large";
		err = -EFBIG;
		goto fail;
	}
	/* O_NONBLOCK (against a FIFO planted in its place) can stay: it changes
	 * nothing for a regular file's reads, and a check costs one syscall less. */
	return fd;
fail:
	close(fd);
	return err;
}

ssize_t bg_read_sized(int fd, void *buf, size_t cap, size_t size)
{
	char *b = buf;
	size_t got = 0;

	while (got < cap) {
		ssize_t n = read(fd, b + got, cap - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
		if (got == size && got < cap)
			break;
	}
	return (ssize_t)got;
}

ssize_t bg_read_full(int fd, void *buf, size_t cap)
{
	return bg_read_sized(fd, buf, cap, cap);
}

int bg_write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0) {
			errno = EIO;
			return -EIO;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int bg_read_small_file(const char *path, int trusted, size_t max_size, char **buf, size_t *len,
		       const char **why)
{
	struct stat st;
	char *b = NULL;
	size_t got, cap;
	ssize_t n;
	int fd, err = 0;

	*buf = NULL;
	*len = 0;
	fd = bg_open_regular(path, trusted, (off_t)max_size, &st, why);
	if (fd < 0)
		return fd;
	cap = (size_t)st.st_size + 1;
	b = malloc(cap + 1);
	if (!b) {
		err = -ENOMEM;
		goto out;
	}
	/* Read to EOF, but never past the cap: the file may grow under us.  One
	 * system call per file (bg_read_sized). */
	n = bg_read_sized(fd, b, cap, (size_t)st.st_size);
	if (n < 0) {
		err = (int)n;
		goto out;
	}
	got = (size_t)n;
	if (got == cap) {
		*why = "grew while being read";
		err = -EAGAIN;
		goto out;
	}
	b[got] = '\0';
	*buf = b;
	*len = got;
	b = NULL;
out:
	free(b);
	close(fd);
	return err;
}

/* One directory's checks (owner, group/world write unless sticky).  real names
 * it in the message. */
static int parent_ok(const char *real, const struct stat *st, char *why, size_t whylen)
{
	if (!S_ISDIR(st->st_mode)) {
		snprintf(why, whylen, "%s is not a directory", real);
		return -ENOTDIR;
	}
	if (!owner_ok(st->st_uid)) {
		snprintf(why, whylen, "directory %s is not owned by root", real);
		return -EPERM;
	}
	/* A writable directory lets its writers swap our file for theirs.  With
	 * the sticky bit (/tmp) only the owner of an entry may rename or remove
	 * it, and the entry below was checked to be root's: that is safe. */
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) && !(st->st_mode & S_ISVTX)) {
		snprintf(why, whylen, "directory %s is writable by group or others", real);
		return -EPERM;
	}
	return 0;
}

#define FAST_DEPTH 32

/* The common case without realpath: an absolute directory name with no "//",
 * "." or ".." in it, none of whose components (lstat'ed from "/" down) is a
 * symlink, is its own resolved name: realpath, a readlink per component each
 * walking the path again, would return it unchanged.  Its ancestors are then
 * checked deepest first, as the general path does: the same checks in the same
 * order with the same messages, in half the system calls.  Returns 1 when the name does not qualify
 * (a symlink, a missing component, too deep: the general path decides and words the error), else 0
 * or the check's negative errno. */
static int check_parents_fast(char *dir, char *why, size_t whylen)
{
	struct stat st[FAST_DEPTH];
	size_t cut[FAST_DEPTH], n = 0, len = strlen(dir);
	int rc;

	if (dir[0] != '/' || strstr(dir, "//") || strstr(dir, "/./") || strstr(dir, "/../"))
		return 1;
	if (len >= 2 && (dir[len - 1] == '/' || strcmp(dir + len - 2, "/.") == 0 ||
			 (len >= 3 && strcmp(dir + len - 3, "/..") == 0)))
		return 1;
	/* cut[i]: the length of the i-th name from the top ("/" is 1). */
	cut[n++] = 1;
	for (size_t i = 1; i <= len; i++) {
		if (i < len && dir[i] != '/')
			continue;
		if (i == 1 && len == 1)
			break; /* dir is "/" */
		if (n == FAST_DEPTH)
			return 1;
		cut[n++] = i;
	}
	for (size_t i = 0; i < n; i++) {
		char c = dir[cut[i]];

		dir[cut[i]] = '\0';
		rc = lstat(i == 0 ? "/" : dir, &st[i]);
		dir[cut[i]] = c;
		if (rc != 0 || S_ISLNK(st[i].st_mode) || !S_ISDIR(st[i].st_mode))
			return 1;
	}
	while (n-- > 0) {
		dir[cut[n]] = '\0';
		rc = parent_ok(n == 0 ? "/" : dir, &st[n], why, whylen);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* The ancestors of the directory dir, each checked with parent_ok. */
static int check_parents(const char *dir, char *why, size_t whylen)
{
	char real[PATH_MAX];
	int rc;

	memcpy(real, dir, strlen(dir) + 1);
	if ((rc = check_parents_fast(real, why, whylen)) != 1)
		return rc;
	/* Like OpenSSH's safe_path: resolve, then every ancestor up to "/". */
	if (!realpath(dir, real)) {
		int e = errno;

		snprintf(why, whylen, "its directory %s: %s", dir, strerror(e));
		return -e;
	}
	for (;;) {
		struct stat st;
		char *cut;

		if (lstat(real, &st) != 0) {
			int e = errno;

			snprintf(why, whylen, "directory %s: %s", real, strerror(e));
			return -e;
		}
		if ((rc = parent_ok(real, &st, why, whylen)) != 0)
			return rc;
		if (strcmp(real, "/") == 0)
			return 0;
		cut = strrchr(real, '/');
		if (cut == real)
			cut[1] = '\0';
		else
			*cut = '\0';
	}
}

static __thread struct bg_trust_scope *scope;

void bg_trust_scope_begin(struct bg_trust_scope *s)
{
	s->ok = false;
	scope = s;
}

void bg_trust_scope_end(void)
{
	scope = NULL;
}

int bg_check_parents(const char *path, char *why, size_t whylen)
{
	char dir[PATH_MAX];
	const char *slash;
	size_t n;
	int rc;

	n = strlen(path);
	while (n > 1 && path[n - 1] == '/') /* "/var/lib/breachguard/" names the directory */
		n--;
	slash = memrchr(path, '/', n);
	if (!slash) { /* a relative name (the tool's --config): the working directory */
		snprintf(dir, sizeof(dir), ".");
	} else {
		n = slash > path ? (size_t)(slash - path) : 1;
		if (n >= sizeof(dir)) {
			snprintf(why, whylen, "path too long");
			return -ENAMETOOLONG;
		}
		memcpy(dir, path, n);
		dir[n] = '\0';
	}
	/* Only an absolute name: "." means another directory after a chdir. */
	if (scope && scope->ok && dir[0] == '/' && strcmp(scope->dir, dir) == 0)
		return 0;
	if ((rc = check_parents(dir, why, whylen)) == 0 && scope && dir[0] == '/') {
		memcpy(scope->dir, dir, strlen(dir) + 1);
		scope->ok = true;
	}
	return rc;
}

int bg_parents_ok(const char *what, const char *path, const struct bg_logger *log)
{
	char why[BG_PATH_MAX + 64];
	int rc = bg_check_parents(path, why, sizeof(why));

	if (rc != 0)
		bg_log(log, LOG_ERR, "%s%s: %s; refusing to use it", what, path, why);
	return rc;
}
