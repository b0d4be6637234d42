/* test_json_detect.c: pretty-printed JSON and JSON Lines without a file name
 * (standard input) are detected as JSON, not read as CSV rows, and a string
 * holding several addresses is split like a CSV cell. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "rec_sink.h"
#include "t.h"

static const char *detect(const char *data)
{
	struct bg_input *in = NULL;
	const struct bg_reader *rd;
	char path[64], err[512];
	int fd = memfd_create("stdin", MFD_CLOEXEC);
	const char *name;

	if (fd < 0 || write(fd, data, strlen(data)) != (ssize_t)strlen(data))
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (bg_input_open(&in, path, err, sizeof(err)) != 0)
		abort();
	rd = bg_reader_detect(in, "-", err, sizeof(err));
	name = rd ? rd->name : "none";
	bg_input_close(in);
	close(fd);
	return name;
}

int main(void)
{
	static const char pretty[] = "{\n"
				     "  \"users\": [\n"
				     "    {\n"
				     "      \"email\": \"a@example.jp\",\n"
				     "      \"name\": \"A, B\"\n"
				     "    },\n"
				     "    {\n"
				     "      \"email\": \"b@example.jp、c@example.jp\",\n"
				     "      \"name\": \"C\"\n"
				     "    }\n"
				     "  ]\n"
				     "}\n";
	static const char lines[] =
	    "{\"email\": \"d@example.jp\", \"name\": \"D\"}\n"
	    "{\"email\": \"e@example.jp; f@example.jp\", \"name\": \"E, F\"}\n";
	static const char csv[] = "name,email\nA,a@example.jp\nB,b@example.jp\n";
	struct rec r;

	memset(&r, 0, sizeof(r)); /* rec_run_str keeps the caller's stop_after */
	T_EQ_STR(detect(pretty), "json");
	T_EQ_STR(detect(lines), "json");
	T_EQ_STR(detect("[\"a@example.jp\",\n \"b@example.jp\"]\n"), "json");
	T_EQ_STR(detect(csv), "csv");

	T_EQ_INT(rec_run_str(&r, &bg_reader_json, pretty, NULL), 0);
	T_EQ_INT(r.naddr, 3);
	T_EQ_INT(rec_find(&r, "b@example.jp"), 1);
	T_EQ_STR(r.addr[2], "c@example.jp");
	T_EQ_INT(rec_run_str(&r, &bg_reader_json, lines, NULL), 0);
	T_EQ_INT(r.naddr, 3);
	T_EQ_STR(r.addr[2], "f@example.jp");
	T_EQ_INT(r.addr_line[2], 2);
	return t_done("test_json_detect");
}
