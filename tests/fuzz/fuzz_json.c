/* fuzz_json.c: the JSON reader behind bg_input.  The size picks the options
 * (domain search with and without a breach filter, a named field), so each input
 * replays the same way.  A fatal error must always say why. */
#include "fuzz.h"

int fuzz_one(const uint8_t *data, size_t size)
{
	static const struct bg_read_opts opts[] = {
	    {.domain = "example.com"},
	    {.domain = "example.com", .breach = "Adobe"},
	    {.field = "mail"},
	    {0},
	};

	fuzz_reader(data, size, &bg_reader_json, &opts[size % (sizeof(opts) / sizeof(opts[0]))]);
	return 0;
}
