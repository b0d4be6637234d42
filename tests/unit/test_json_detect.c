/* test_json_detect.c: pretty-printed JSON and JSON Lines without a file name
 * (standard input) are detected as JSON, not read as CSV rows, and a string
 * holding several addresses is split like a CSV cell. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tsink.h"
#include "t.h"

static const char *detect(const char *data)
{
	struct bg_input *in = NULL;
	const struct bg_reader *rd;
	struct bg_err err = BG_ERR_INIT;
	char path[64];
	int fd = memfd_create("stdin", MFD_CLOEXEC);
	const char *name;

	if (fd < 0 || write(fd, data, strlen(data)) != (ssize_t)strlen(data))
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (bg_input_open(&in, path, &err) != 0)
		abort();
	rd = bg_reader_detect(in, "-", &err);
	name = rd ? rd->name : "none";
	bg_input_close(in);
	close(fd);
	return name;
}

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
static const char lines[] = "{\"email\": \"d@example.jp\", \"name\": \"D\"}\n"
			    "{\"email\": \"e@example.jp; f@example.jp\", \"name\": \"E, F\"}\n";

static void detected_as_json(void)
{
	static const char csv[] = "name,email\nA,a@example.jp\nB,b@example.jp\n";

	T_EQ_STR(detect(pretty), "json");
	T_EQ_STR(detect(lines), "json");
	T_EQ_STR(detect("[\"a@example.jp\",\n \"b@example.jp\"]\n"), "json");
	T_EQ_STR(detect(csv), "csv");
}

static void strings_split(void)
{
	struct tsink r;

	memset(&r, 0, sizeof(r)); /* ts_run_str keeps the caller's stop_after */
	T_EQ_INT(ts_run_str(&r, &bg_reader_json, pretty, NULL), 0);
	T_EQ_INT(r.naddr, 3);
	T_EQ_INT(ts_find(&r, "b@example.jp"), 1);
	T_EQ_STR(r.addr[2], "c@example.jp");
	T_EQ_INT(ts_run_str(&r, &bg_reader_json, lines, NULL), 0);
	T_EQ_INT(r.naddr, 3);
	T_EQ_STR(r.addr[2], "f@example.jp");
	T_EQ_INT(r.addr_line[2], 2);
}

int main(int argc, char **argv)
{
	t_init(argc, argv);
	T_RUN(detected_as_json);
	T_RUN(strings_split);
	return t_done("test_json_detect");
}
