/* runstat.c: runs a command and reports its wall time and resources, so the
 * benchmark needs no /usr/bin/time (package "time" is not a build dependency).
 * usage: runstat OUTFILE CMD ARGS...   (the command's stdout/stderr pass through)
 * OUTFILE gets one line: "wall_s user_s sys_s maxrss_kib anon_kib file_kib exit_status".
 * maxrss (getrusage) counts every resident page, the store's file-backed LMDB map
 * included; anon_kib and file_kib are the peaks of RssAnon and RssFile sampled
 * from /proc/PID/status every 10 ms, so the heap can be told from the map. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void sample(pid_t pid, long *anon, long *file)
{
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		long *slot = strncmp(line, "RssAnon:", 8) == 0	 ? anon
			     : strncmp(line, "RssFile:", 8) == 0 ? file
								 : NULL;
		long v;

		if (slot && (v = strtol(line + 8, NULL, 10)) > *slot)
			*slot = v;
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	struct timespec a, b;
	struct rusage ru;
	FILE *out;
	pid_t pid;
	int status = 0;
	long anon = 0, file = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: runstat OUTFILE CMD ARGS...\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	pid = fork();
	if (pid < 0) {
		perror("runstat: fork");
		return 1;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		perror("runstat: exec");
		_exit(127);
	}
	for (;;) {
		const struct timespec tick = {0, 10 * 1000 * 1000};
		pid_t w = wait4(pid, &status, WNOHANG, &ru);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			perror("runstat: wait4");
			return 1;
		}
		sample(pid, &anon, &file);
		nanosleep(&tick, NULL);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	out = fopen(argv[1], "w");
	if (!out) {
		perror(argv[1]);
		return 1;
	}
	fprintf(out, "%.4f %.4f %.4f %ld %ld %ld %d\n",
		(double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9,
		(double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6,
		(double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6, ru.ru_maxrss, anon,
		file, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	fclose(out);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
