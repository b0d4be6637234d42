/* fuzz_normalise.c: bg_normalise with case folding and "+" sub-addresses; the
 * result must be NUL-terminated, as long as reported and fit the buffer, and the
 * same as the general path's (bg_normalise has an ASCII fast path in front of
 * it), with these options and with case kept and tags cut at "-" or "+". */
#include <stdlib.h>

#include "fuzz.h"
#include "identity.h"

/* The fast path and the general one: the same answer, the same bytes. */
static void same_paths(const uint8_t *data, size_t size, const struct bg_norm_opts *o)
{
	char a[BG_ID_MAX], b[BG_ID_MAX];
	int ra = bg_normalise((const char *)data, size, o, a, sizeof(a));
	int rb = bg_normalise_general((const char *)data, size, o, b, sizeof(b));

	if ((ra != rb || (ra > 0 && memcmp(a, b, (size_t)ra + 1) != 0)) && !fuzz_injected())
		abort();
}

int fuzz_one(const uint8_t *data, size_t size)
{
	struct bg_norm_opts o;
	char out[BG_ID_MAX], again[BG_ID_MAX];
	int n, m;

	memset(&o, 0, sizeof(o));
	o.fold_case = true;
	memcpy(o.subaddress, "+", 2);
	same_paths(data, size, &o);
	{
		struct bg_norm_opts keep = {.fold_case = false};

		memcpy(keep.subaddress, "-+", 3);
		same_paths(data, size, &keep);
	}
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
