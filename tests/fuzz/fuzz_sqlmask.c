/* fuzz_sqlmask.c: an SQL dump's password mask (sqlmask.c), line by line as the
 * text reader feeds it.  The mask may only blank: every line comes back as
 * long as it went in, each byte either its own or a space, and the counts of
 * blanked values with an '@' never exceed the '@'s the line holds. */
#include <stdlib.h>

#include "fuzz.h"
#include "sqlmask.h"

int fuzz_one(const uint8_t *data, size_t size)
{
	struct bg_sqlmask *m = bg_sqlmask_new();
	const char *s = (const char *)data, *end = s + size;

	if (!m)
		return 0;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s), ats = 0;
		unsigned secrets = 0, guessed = 0;
		const char *r = bg_sqlmask_line(m, s, n, true, &secrets, &guessed);

		if (!r) {
			if (!fuzz_injected())
				abort();
			break;
		}
		for (size_t i = 0; i < n; i++) {
			if (r[i] != s[i] && r[i] != ' ')
				abort();
			ats += s[i] == '@';
		}
		if ((size_t)secrets + guessed > ats)
			abort();
		s += n + (nl != NULL);
	}
	bg_sqlmask_free(m);
	return 0;
}
