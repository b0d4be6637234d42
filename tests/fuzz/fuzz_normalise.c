/* fuzz_normalise.c: bg_normalise with case folding and "+" sub-addresses; the
 * result must be NUL-terminated, as long as reported and fit the buffer. */
#include <stdlib.h>

#include "fuzz.h"
#include "identity.h"

int fuzz_one(const uint8_t *data, size_t size)
{
	struct bg_norm_opts o;
	char out[BG_ID_MAX], again[BG_ID_MAX];
	int n, m;

	memset(&o, 0, sizeof(o));
	o.fold_case = true;
	memcpy(o.subaddress, "+", 2);
	n = bg_normalise((const char *)data, size, &o, out, sizeof(out));
	if (n < 0) {
		(void)strlen(bg_norm_strerror(n));
		return 0;
	}
	if ((size_t)n >= sizeof(out) || strlen(out) != (size_t)n)
		abort();
	/* A normalised address is a fixed point: stores and lookups agree. */
	m = bg_normalise(out, (size_t)n, &o, again, sizeof(again));
	if ((m != n || memcmp(out, again, (size_t)n) != 0) && !fuzz_injected())
		abort();
	return 0;
}
