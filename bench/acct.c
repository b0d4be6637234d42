/* acct.c: the account phase through the real libpam, in a loop.
 * Each iteration is what a login does: pam_start_confdir (reads the generated
 * service file, loads the modules), pam_acct_mgmt, pam_end (unloads them).
 *
 * usage: acct CONFDIR SERVICE USER ITERS
 *        acct -m CONFDIR USER ITERS SERVICE...   the services interleaved: each
 *        iteration times one call of every service in turn; prints per service
 *        "SERVICE MEDIAN_US MEAN_US RESULT" (the same noise hits every stack;
 *        the order turns by one each iteration);
 *        a SERVICE written SERVICE@OTHER runs for the user OTHER instead
 *        acct -c CONFDIR SERVICE USER   one warm-up iteration, then one under
 *        callgrind's collection (run with valgrind --tool=callgrind --collect-atstart=no)
 * Prints "ITERS SECONDS USEC_PER_CALL RESULT" (RESULT: the last pam_acct_mgmt code). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <security/pam_appl.h>
#include <valgrind/callgrind.h>

static int conv(int n, const struct pam_message **msg, struct pam_response **resp, void *arg)
{
	struct pam_response *r = calloc((size_t)n, sizeof(*r));

	(void)msg, (void)arg;
	if (!r)
		return PAM_BUF_ERR;
	*resp = r; /* messages (PAM_TEXT_INFO/PAM_ERROR_MSG) need no answer */
	return PAM_SUCCESS;
}

static int once(const char *dir, const char *svc, const char *user)
{
	const struct pam_conv c = {conv, NULL};
	pam_handle_t *h = NULL;
	int rc;

	rc = pam_start_confdir(svc, user, &c, dir, &h);
	if (rc != PAM_SUCCESS) {
		fprintf(stderr, "acct: pam_start_confdir: %s\n", pam_strerror(NULL, rc));
		exit(1);
	}
	rc = pam_acct_mgmt(h, 0);
	pam_end(h, rc);
	return rc;
}

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* "SERVICE" or "SERVICE@USER": the service into svc (cap bytes), the user
 * (def when none is named).  0, or -1 when the name does not fit. */
static int split_stack(const char *arg, const char *def, char *svc, size_t cap, const char **user)
{
	const char *at = strchr(arg, '@');
	size_t n = at ? (size_t)(at - arg) : strlen(arg);

	if (n >= cap)
		return -1;
	memcpy(svc, arg, n);
	svc[n] = '\0';
	*user = at ? at + 1 : def;
	return 0;
}

static int interleaved(int argc, char **argv)
{
	long iters = strtol(argv[4], NULL, 10);
	int nsvc = argc - 5, *rc;
	char(*svc)[256];
	const char **user;
	double *t;

	if (iters <= 0 || nsvc < 1)
		return 2;
	t = calloc((size_t)iters * (size_t)nsvc, sizeof(*t));
	rc = calloc((size_t)nsvc, sizeof(*rc));
	svc = calloc((size_t)nsvc, sizeof(*svc));
	user = calloc((size_t)nsvc, sizeof(*user));
	if (!t || !rc || !svc || !user)
		return 1;
	for (int s = 0; s < nsvc; s++)
		if (split_stack(argv[5 + s], argv[3], svc[s], sizeof(svc[s]), &user[s]) != 0)
			return 2;
	for (int s = 0; s < nsvc; s++)
		once(argv[2], svc[s], user[s]); /* warm-up */
	/* Each iteration starts one stack further on: no stack always runs right
	 * after the same one, whose traces in the caches it would inherit. */
	for (long i = 0; i < iters; i++)
		for (int k = 0; k < nsvc; k++) {
			int s = (int)((i + k) % nsvc);
			double a = now_us();

			rc[s] = once(argv[2], svc[s], user[s]);
			t[(size_t)s * (size_t)iters + (size_t)i] = now_us() - a;
		}
	for (int s = 0; s < nsvc; s++) {
		double *v = t + (size_t)s * (size_t)iters, sum = 0;

		for (long i = 0; i < iters; i++)
			sum += v[i];
		qsort(v, (size_t)iters, sizeof(*v), cmp_d);
		printf("%s %.2f %.2f %s\n", argv[5 + s], v[iters / 2], sum / (double)iters,
		       pam_strerror(NULL, rc[s]));
	}
	free(t);
	free(rc);
	free(svc);
	free(user);
	return 0;
}

int main(int argc, char **argv)
{
	struct timespec a, b;
	long iters;
	int rc = 0;
	double s;

	if (argc >= 6 && strcmp(argv[1], "-m") == 0)
		return interleaved(argc, argv);
	if (argc == 5 && strcmp(argv[1], "-c") == 0) {
		once(argv[2], argv[3], argv[4]);
		CALLGRIND_TOGGLE_COLLECT;
		rc = once(argv[2], argv[3], argv[4]);
		CALLGRIND_TOGGLE_COLLECT;
		printf("1 - - %s\n", pam_strerror(NULL, rc));
		return 0;
	}
	if (argc != 5 || (iters = strtol(argv[4], NULL, 10)) <= 0) {
		fprintf(stderr,
			"usage: acct CONFDIR SERVICE USER ITERS | acct -c CONFDIR SERVICE USER\n");
		return 2;
	}
	once(argv[1], argv[2], argv[3]); /* warm the page cache and the store's pages */
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < iters; i++)
		rc = once(argv[1], argv[2], argv[3]);
	clock_gettime(CLOCK_MONOTONIC, &b);
	s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	printf("%ld %.4f %.2f %s\n", iters, s, s / (double)iters * 1e6, pam_strerror(NULL, rc));
	return 0;
}
