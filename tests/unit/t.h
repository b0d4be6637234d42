/* t.h: a tiny assertion kit for the unit tests.  Failures print file:line and
 * both values; main() returns t_done(). */
#ifndef BG_T_H
#define BG_T_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int t_failed, t_run;

#define T_CHECK(cond)                                                                              \
	do {                                                                                       \
		t_run++;                                                                           \
		if (!(cond)) {                                                                     \
			t_failed++;                                                                \
			fprintf(stderr, "%s:%d: FAIL: %s\n", __FILE__, __LINE__, #cond);           \
		}                                                                                  \
	} while (0)

#define T_EQ_INT(a, b)                                                                             \
	do {                                                                                       \
		long long t_a_ = (long long)(a), t_b_ = (long long)(b);                            \
		t_run++;                                                                           \
		if (t_a_ != t_b_) {                                                                \
			t_failed++;                                                                \
			fprintf(stderr, "%s:%d: FAIL: %s == %s: %lld != %lld\n", __FILE__,         \
				__LINE__, #a, #b, t_a_, t_b_);                                     \
		}                                                                                  \
	} while (0)

#define T_EQ_STR(a, b)                                                                             \
	do {                                                                                       \
		const char *t_a_ = (a), *t_b_ = (b);                                               \
		t_run++;                                                                           \
		if (!t_a_ || !t_b_ || strcmp(t_a_, t_b_) != 0) {                                   \
			t_failed++;                                                                \
			fprintf(stderr, "%s:%d: FAIL: %s == %s: \"%s\" != \"%s\"\n", __FILE__,     \
				__LINE__, #a, #b, t_a_ ? t_a_ : "(null)", t_b_ ? t_b_ : "(null)"); \
		}                                                                                  \
	} while (0)

static inline int t_done(const char *name)
{
	printf("%s: %d passed, %d failed\n", name, t_run - t_failed, t_failed);
	return t_failed ? 1 : 0;
}

#endif
