/* safeopen.c: open the files we must trust, refusing what an attacker could
 * have planted or changed: symlinks, foreign owners, group/world write. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "safeopen.h"

int bg_check_trusted(const struct stat *st, const char **why)
{
	if (S_ISLNK(st->st_mode)) {
		*why = "is a symbolic link";
		return -ELOOP;
	}
#ifdef BG_TEST_BUILD
	if (st->st_uid != 0 && st->st_uid != geteuid()) {
#else
	if (st->st_uid != 0) {
#endif
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

int bg_read_small_file(const char *path, int trusted, size_t max_size, char **buf, size_t *len,
		       const char **why)
{
	struct stat st;
	char *b = NULL;
	size_t got = 0, cap;
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
	/* Read to EOF, but never past the cap: the file may grow under us. */
	while (got < cap) {
		n = read(fd, b + got, cap - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
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
