/* fuzz_encoding.c: encoding detection and decoding.  The first byte picks the
 * encoding (detected, or one given as with --encoding); the rest is the input.
 * Every line handed out must be valid UTF-8 unless it is flagged, and the
 * decision itself must be total: a name or an error with a message. */
#include "fuzz.h"

#include "encoding.h"
#include "unicode.h"

int fuzz_one(const uint8_t *data, size_t size)
{
	static const char *const enc[] = {"auto", "CP932", "EUC-JP",	   "ISO-2022-JP", "GB18030",
					  "BIG5", "CP949", "WINDOWS-1252", "UTF-16",	  "raw"};
	struct bg_input *in = NULL;
	struct bg_err err = BG_ERR_INIT;
	char path[64], name[BG_ENC_NAME_MAX];
	const char *line;
	size_t len;
	unsigned flags;
	int fd, r;

	if (size < 1)
		return 0;
	r = bg_encoding_decide((const char *)data + 1, size - 1, true, name, sizeof(name), &err);
	if ((r == 0 && !name[0]) || (r < 0 && !err.msg[0]))
		__builtin_trap();
	bg_err_clear(&err);
	fd = fuzz_file(data + 1, size - 1, path, sizeof(path));
	if (fd < 0)
		return 0;
	if (bg_input_open(&in, path, &err) == 0) {
		r = bg_input_set_encoding(in, enc[data[0] % (sizeof(enc) / sizeof(enc[0]))], &err);
		if (r != 0 && !fuzz_injected())
			__builtin_trap(); /* every name in the list is known to iconv */
		if (r == 0)
			bg_err_clear(&err);
		while (r == 0 && (r = bg_input_getline(in, &line, &len, &flags, &err)) == 1) {
			if (!(flags & (BG_LINE_BAD_UTF8 | BG_LINE_TOO_LONG)) &&
			    !bg_utf8_valid(line, len))
				__builtin_trap();
		}
		if (r < 0 && !err.msg[0])
			__builtin_trap(); /* an error always says why */
		bg_input_close(in);
	}
	close(fd);
	return 0;
}
