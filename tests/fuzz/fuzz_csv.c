/* fuzz_csv.c: the CSV reader behind bg_input, with each way of choosing a column. */
#include "fuzz.h"

int fuzz_one(const uint8_t *data, size_t size)
{
	static const char *const columns[] = {NULL,   "2",	"email",
					      "1024", "E-Mail", "recipient-address"};
	struct bg_read_opts o;

	memset(&o, 0, sizeof(o));
	/* The size picks the column option, so each input replays the same way. */
	o.column = columns[size % (sizeof(columns) / sizeof(columns[0]))];
	fuzz_reader(data, size, &bg_reader_csv, &o);
	return 0;
}
