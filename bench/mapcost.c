/* mapcost.c: the store's page reads of one check, by pread against by mmap
 * (bench/RESULTS.md, the matched loop): per round, data.mdb is opened, ten of
 * its 4 KiB pages are read (the meta page and nine spread over the file, the
 * same in both ways), and it is closed; by mmap, the file is mapped shared and
 * read-only, a byte of each page touched, and unmapped.  ITERS rounds a way, in
 * turn, five times; prints the microseconds a round of each.
 *
 * usage: mapcost DATA.MDB ITERS */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PAGES 10
#define PAGE 4096

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
	static char buf[PAGE];
	off_t off[PAGES];
	volatile unsigned long sink = 0;
	struct stat st;
	long iters;
	int fd;

	if (argc != 3 || (iters = strtol(argv[2], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: mapcost DATA.MDB ITERS\n");
		return 2;
	}
	if ((fd = open(argv[1], O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) != 0 ||
	    st.st_size < (off_t)PAGE * PAGES) {
		perror(argv[1]);
		return 1;
	}
	close(fd);
	for (int k = 0; k < PAGES; k++)
		off[k] = (off_t)(st.st_size / PAGE * k / PAGES) * PAGE;
	for (int round = 0; round < 5; round++) {
		double a = now_us(), b, c;

		for (long i = 0; i < iters; i++) {
			fd = open(argv[1], O_RDONLY | O_CLOEXEC);
			for (int k = 0; k < PAGES; k++)
				if (fd < 0 || pread(fd, buf, PAGE, off[k]) != PAGE)
					return 1;
			sink += (unsigned char)buf[100];
			close(fd);
		}
		b = now_us();
		for (long i = 0; i < iters; i++) {
			const unsigned char *m;

			fd = open(argv[1], O_RDONLY | O_CLOEXEC);
			m = fd < 0 ? MAP_FAILED
				   : mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
			if (m == MAP_FAILED)
				return 1;
			for (int k = 0; k < PAGES; k++)
				sink += m[off[k] + 100];
			munmap((void *)m, (size_t)st.st_size);
			close(fd);
		}
		c = now_us();
		printf("pread %.2f us  mmap %.2f us a round\n", (b - a) / (double)iters,
		       (c - b) / (double)iters);
	}
	return sink == 1; /* read: the loads are not optimised away */
}
