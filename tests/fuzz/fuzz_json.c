/* fuzz_json.c: the JSON reader behind bg_input.  The size picks the options
 * (domain search with and without a breach filter, a named field), so each input
 * replays the same way.  A fatal error must always say why. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct bg_read_opts opts[] = {
	    {.domain = "example.com"},
	    {.domain = "example.com", .breach = "Adobe"},
	    {.field = "mail"},
	    {0},
	};
	const struct bg_read_opts *o = &opts[size % (sizeof(opts) / sizeof(opts[0]))];
	struct bg_input *in = NULL;
	struct bg_sink sink;
	struct fuzz_count count;
	char path[64], err[512];
	int fd = fuzz_file(data, size, path, sizeof(path));

	if (fd < 0)
		return 0;
	fuzz_sink(&sink, &count);
	if (bg_input_open(&in, path, err, sizeof(err)) == 0) {
		err[0] = '\0';
		if (bg_reader_json.read(in, o, &sink, err, sizeof(err)) < 0 && !err[0])
			__builtin_trap();
		bg_input_close(in);
	}
	close(fd);
	return 0;
}
