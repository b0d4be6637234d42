/* fuzz_detect.c: format detection on any head, then whichever reader it picks. */
#include "fuzz.h"

int fuzz_one(const uint8_t *data, size_t size)
{
	struct bg_read_opts o;

	memset(&o, 0, sizeof(o));
	fuzz_reader(data, size, NULL, &o);
	return 0;
}
