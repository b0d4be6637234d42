/* spawn.c: the per-process figure.  Runs `pam1 CONFDIR SERVICE USER` ROUNDS
 * times for each service, interleaved (s1, s2, ..., then s2, s3, ..., s1: each
 * round starts one stack further on), each with
 * posix_spawn + waitpid, and prints per service the median, quartiles and
 * the last exit status of the time from spawn to reaped exit.
 * usage: spawn ROUNDS PAM1 CONFDIR USER SERVICE[@USER]...  (SERVICE@USER: that
 * stack run for USER instead)
 * Output, one line per service: "SERVICE MEDIAN_US Q1_US Q3_US STATUS". */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int run_once(char **argv, double *us)
{
	double a = now_us();
	pid_t pid;
	int st, rc;

	rc = posix_spawn(&pid, argv[0], NULL, NULL, argv, environ);
	if (rc != 0) {
		fprintf(stderr, "spawn: %s: %s\n", argv[0], strerror(rc));
		exit(1);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			perror("spawn: waitpid");
			exit(1);
		}
	*us = now_us() - a;
	if (!WIFEXITED(st) || WEXITSTATUS(st) >= 254) {
		fprintf(stderr, "spawn: %s %s failed (status %d)\n", argv[0], argv[2], st);
		exit(1);
	}
	return WEXITSTATUS(st);
}

int main(int argc, char **argv)
{
	long rounds;
	int nsvc, *status;
	char **svc, **user;
	double *t;

	if (argc < 6 || (rounds = strtol(argv[1], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: spawn ROUNDS PAM1 CONFDIR USER SERVICE[@USER]...\n");
		return 2;
	}
	nsvc = argc - 5;
	t = calloc((size_t)rounds * (size_t)nsvc, sizeof(*t));
	status = calloc((size_t)nsvc, sizeof(*status));
	svc = calloc((size_t)nsvc, sizeof(*svc));
	user = calloc((size_t)nsvc, sizeof(*user));
	if (!t || !status || !svc || !user)
		return 1;
	/* SERVICE@USER: that stack for another user. */
	for (int s = 0; s < nsvc; s++) {
		char *at;

		if (!(svc[s] = strdup(argv[5 + s])))
			return 1;
		at = strchr(svc[s], '@');
		user[s] = at ? at + 1 : argv[4];
		if (at)
			*at = '\0';
	}
	for (long r = -1; r < rounds; r++) { /* round -1 warms the page cache */
		/* each round starts one stack further on, as acct -m does */
		for (int k = 0; k < nsvc; k++) {
			int s = (int)((r + 1 + k) % nsvc);
			char *av[] = {argv[2], argv[3], svc[s], user[s], NULL};
			double us;

			status[s] = run_once(av, &us);
			if (r >= 0)
				t[(size_t)s * (size_t)rounds + (size_t)r] = us;
		}
	}
	for (int s = 0; s < nsvc; s++) {
		double *v = t + (size_t)s * (size_t)rounds;

		qsort(v, (size_t)rounds, sizeof(*v), cmp_d);
		printf("%s %.1f %.1f %.1f %d\n", argv[5 + s], v[rounds / 2], v[rounds / 4],
		       v[rounds * 3 / 4], status[s]);
	}
	for (int s = 0; s < nsvc; s++)
		free(svc[s]);
	free(svc);
	free(user);
	free(t);
	free(status);
	return 0;
}
