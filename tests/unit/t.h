/* t.h: a tiny assertion kit for the unit tests.  Failures print file:line, the
 * case they belong to and both values; main() returns t_done().
 *
 * Cases: a test is a set of named cases, static void functions run by
 * T_RUN(fn) from main() after t_init(argc, argv).  A failure names its case
 * ("test_x.c:12: [bad_utf8] FAIL: ..."), t_done() lists the cases that failed,
 * and "test_x CASE..." runs only the cases named (-l lists them). */
#ifndef BG_T_H
#define BG_T_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int t_failed, t_run;
static const char *t_case_name; /* the case running (NULL outside one) */
static char **t_only;		/* names given on the command line */
static int t_n_only, t_list_only;
static char t_failed_cases[1024];

#define T_FAIL_AT()                                                                                \
	fprintf(stderr, "%s:%d: %s%s%sFAIL: ", __FILE__, __LINE__, t_case_name ? "[" : "",         \
		t_case_name ? t_case_name : "", t_case_name ? "] " : "")

static inline void t_init(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "-l") == 0) {
		t_list_only = 1;
		return;
	}
	t_only = argv + 1;
	t_n_only = argc > 1 ? argc - 1 : 0;
}

static inline int t_selected(const char *name)
{
	if (t_n_only == 0)
		return 1;
	for (int i = 0; i < t_n_only; i++)
		if (strcmp(t_only[i], name) == 0)
			return 1;
	return 0;
}

/* Runs one named case; its failures are charged to its name. */
static inline void t_run_case(const char *name, void (*fn)(void))
{
	int before = t_failed;
	size_t used;

	if (t_list_only) {
		printf("%s\n", name);
		return;
	}
	if (!t_selected(name))
		return;
	t_case_name = name;
	fn();
	t_case_name = NULL;
	if (t_failed > before) {
		fprintf(stderr, "case %s: %d check(s) failed\n", name, t_failed - before);
		used = strlen(t_failed_cases);
		snprintf(t_failed_cases + used, sizeof(t_failed_cases) - used, " %s", name);
	}
}

#define T_RUN(fn) t_run_case(#fn, fn)

#define T_CHECK(cond)                                                                              \
	do {                                                                                       \
		t_run++;                                                                           \
		if (!(cond)) {                                                                     \
			t_failed++;                                                                \
			T_FAIL_AT();                                                               \
			fprintf(stderr, "%s\n", #cond);                                            \
		}                                                                                  \
	} while (0)

#define T_EQ_INT(a, b)                                                                             \
	do {                                                                                       \
		long long t_a_ = (long long)(a), t_b_ = (long long)(b);                            \
		t_run++;                                                                           \
		if (t_a_ != t_b_) {                                                                \
			t_failed++;                                                                \
			T_FAIL_AT();                                                               \
			fprintf(stderr, "%s == %s: %lld != %lld\n", #a, #b, t_a_, t_b_);           \
		}                                                                                  \
	} while (0)

#define T_EQ_STR(a, b)                                                                             \
	do {                                                                                       \
		const char *t_a_ = (a), *t_b_ = (b);                                               \
		t_run++;                                                                           \
		if (!t_a_ || !t_b_ || strcmp(t_a_, t_b_) != 0) {                                   \
			t_failed++;                                                                \
			T_FAIL_AT();                                                               \
			fprintf(stderr, "%s == %s: \"%s\" != \"%s\"\n", #a, #b,                    \
				t_a_ ? t_a_ : "(null)", t_b_ ? t_b_ : "(null)");                   \
		}                                                                                  \
	} while (0)

static inline int t_done(const char *name)
{
	if (t_list_only)
		return 0;
	printf("%s: %d passed, %d failed%s%s\n", name, t_run - t_failed, t_failed,
	       t_failed_cases[0] ? "; failed cases:" : "", t_failed_cases);
	if (t_n_only && t_run == 0) {
		fprintf(stderr, "%s: no case of that name (-l lists them)\n", name);
		return 1;
	}
	return t_failed ? 1 : 0;
}

#endif
