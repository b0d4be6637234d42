/* fuzz_ldif.c: the LDIF reader behind bg_input (folded lines, base64 values,
 * comments, entries, lines the input flags).  A fatal error must always say
 * why (fuzz_reader checks). */
#include "fuzz.h"

int fuzz_one(const uint8_t *data, size_t size)
{
	fuzz_reader(data, size, &bg_reader_ldif, NULL);
	return 0;
}
