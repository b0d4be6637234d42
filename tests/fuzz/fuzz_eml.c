/* fuzz_eml.c: the e-mail reader behind bg_input (MIME structure, base64,
 * quoted-printable, charsets, HTML, mbox, CSV attachments through the CSV reader).
 * A fatal error must always say why (fuzz_reader checks). */
#include "fuzz.h"

int fuzz_one(const uint8_t *data, size_t size)
{
	static const struct bg_read_opts opts[] = {{0}, {.column = "2"}};

	fuzz_reader(data, size, &bg_reader_eml, &opts[size % 2]);
	return 0;
}
