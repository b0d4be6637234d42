/* fuzz_text.c: the free-text reader behind bg_input (gzip, UTF-16, line ends). */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bg_read_opts o;

	memset(&o, 0, sizeof(o));
	fuzz_reader(data, size, &bg_reader_text, &o);
	return 0;
}
