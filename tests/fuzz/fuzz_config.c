/* fuzz_config.c: breachguard.conf and module arguments from the same bytes: the
 * data as a config file (bg_config_load), its first line as the value of every
 * key of the option table (bg_config_set), then split on blanks as argv
 * (bg_config_from_args, with every conf= pointed at that same file). */
#include <stdlib.h>

#include "config.h"
#include "fuzz.h"

#define ARGS_MAX 64

int fuzz_one(const uint8_t *data, size_t size)
{
	static struct bg_config c;
	struct bg_logger log = {.fn = fuzz_log, .arg = NULL, .debug = true};
	char path[] = "/tmp/bg-fuzz-conf.XXXXXX", conf_arg[64];
	const char *argv[ARGS_MAX];
	char *copy = NULL, *p, *end;
	unsigned unknown = 0;
	int argc = 0, fd;
	size_t off = 0;
	ssize_t n;

	/* A real file (not a memfd): the loader refuses symlinks such as /proc/self/fd. */
	fd = mkstemp(path);
	if (fd < 0)
		return 0;
	while (off < size) {
		n = write(fd, data + off, size - off);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(fd);
	bg_config_defaults(&c);
	(void)bg_config_load(&c, path, false, false, &log, &unknown);

	copy = malloc(size + 1);
	if (!copy)
		goto out;
	memcpy(copy, data, size);
	copy[size] = '\0';
	{
		char *nl = memchr(copy, '\n', size), err[256];

		if (nl)
			*nl = '\0';
		bg_config_defaults(&c);
		for (size_t i = 0; bg_option_at(i); i++)
			(void)bg_config_set(&c, bg_option_at(i)->name, copy, err, sizeof(err));
		if (nl)
			*nl = '\n';
	}
	snprintf(conf_arg, sizeof(conf_arg), "conf=%s", path);
	/* Keep the harness hermetic: only this file is ever read, never the
	 * system's default config or a path the data names. */
	argv[argc++] = conf_arg;
	for (p = copy, end = copy + size; p < end && argc < ARGS_MAX;) {
		while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\0'))
			p++;
		if (p >= end)
			break;
		argv[argc] = p;
		while (p < end && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\0')
			p++;
		*p++ = '\0';
		if (strncmp(argv[argc], "conf=", 5) == 0)
			argv[argc] = conf_arg;
		argc++;
	}
	bg_config_defaults(&c);
	(void)bg_config_from_args(&c, argc, argv, &log);
out:
	free(copy);
	unlink(path);
	return 0;
}
