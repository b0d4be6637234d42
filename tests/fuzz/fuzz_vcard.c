/* fuzz_vcard.c: the vCard and iCalendar reader behind bg_input (folded lines,
 * quoted-printable values and soft breaks, quoted parameters, escapes, lines
 * the input flags).  A fatal error must always say why (fuzz_reader checks). */
#include "fuzz.h"

int fuzz_one(const uint8_t *data, size_t size)
{
	fuzz_reader(data, size, &bg_reader_vcard, NULL);
	return 0;
}
