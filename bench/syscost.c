/* syscost.c: what the module's own reading costs in system calls alone, with
 * nothing parsed, checked or computed: the sequence a matched check makes
 * beyond NSS, the syslog line and the message (strace of pam_breachguard.so,
 * 2026-12-02): the config file (open, fstat, read, close), one lstat per
 * directory from / down to the config's, the key file likewise, the store
 * directory pinned (open O_PATH, fstat), data.mdb and lock.mdb checked
 * (fstatat), the gate (open, fstat, flock shared), data.mdb (open, fstat), ten
 * page reads, the closes.  ITERS rounds in a loop; prints the median of 5
 * slices in microseconds per round.
 *
 * usage: syscost CONF KEY STOREDIR ITERS */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static void small_file(const char *path)
{
	char buf[4096];
	struct stat s;
	int fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &s) != 0 || read(fd, buf, sizeof(buf)) < 0)
		exit(1);
	close(fd);
}

/* One lstat per ancestor of path's directory, "/" included. */
static void parents(const char *path)
{
	char p[4096];
	struct stat s;
	size_t n = strlen(path);

	if (n >= sizeof(p))
		exit(1);
	memcpy(p, path, n + 1);
	lstat("/", &s);
	for (char *q = strchr(p + 1, '/'); q; q = strchr(q + 1, '/')) {
		*q = '\0';
		lstat(p, &s);
		*q = '/';
	}
}

static void round_(const char *conf, const char *key, const char *store)
{
	static char page[4096];
	struct stat s;
	int dir, gate, data;

	small_file(conf);
	parents(conf);
	small_file(key);
	if ((dir = open(store, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_PATH | O_DIRECTORY)) < 0 ||
	    fstat(dir, &s) != 0)
		exit(1);
	fstatat(dir, "data.mdb", &s, AT_SYMLINK_NOFOLLOW);
	fstatat(dir, "lock.mdb", &s, AT_SYMLINK_NOFOLLOW);
	if ((gate = openat(dir, "writer.lock",
			   O_RDONLY | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    fstat(gate, &s) != 0 || flock(gate, LOCK_SH | LOCK_NB) != 0)
		exit(1);
	if ((data = openat(dir, "data.mdb",
			   O_RDONLY | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    fstat(data, &s) != 0)
		exit(1);
	for (int i = 0; i < 10; i++)
		if (pread(data, page, sizeof(page), (off_t)(i * 7 + 2) * 4096) < 0)
			exit(1);
	close(dir);
	close(data);
	close(gate);
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	double slice[5];
	int iters;

	if (argc != 5 || (iters = atoi(argv[4])) < 1) {
		fprintf(stderr, "usage: syscost CONF KEY STOREDIR ITERS\n");
		return 2;
	}
	round_(argv[1], argv[2], argv[3]);
	for (int k = 0; k < 5; k++) {
		double t0 = now_us();

		for (int i = 0; i < iters; i++)
			round_(argv[1], argv[2], argv[3]);
		slice[k] = (now_us() - t0) / iters;
	}
	qsort(slice, 5, sizeof(slice[0]), cmp_d);
	printf("%.1f us per round (median of 5 slices of %d)\n", slice[2], iters);
	return 0;
}
