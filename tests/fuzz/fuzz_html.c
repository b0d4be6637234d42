/* fuzz_html.c: the saved-web-page reader behind bg_input (the HTML converter's
 * tags, quotes, comments, script and style across lines; character
 * references; mailto: links; then the tokeniser).  A fatal error must always
 * say why (fuzz_reader checks). */
#include "fuzz.h"

int fuzz_one(const uint8_t *data, size_t size)
{
	fuzz_reader(data, size, &bg_reader_html, NULL);
	return 0;
}
