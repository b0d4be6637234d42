/* test_config.c: one parser for file and module arguments; ranges and errors. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "t.h"

static unsigned warnings;

static void count_fn(void *arg, int prio, const char *fmt, va_list ap)
{
	(void)arg;
	(void)fmt;
	(void)ap;
	if (prio <= LOG_WARNING)
		warnings++;
}

static int write_conf(char *path, const char *text, mode_t mode)
{
	int fd = mkstemp(path);

	if (fd < 0)
		return -1;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return -1;
	fchmod(fd, mode);
	return close(fd);
}

int main(void)
{
	struct bg_logger log = {count_fn, NULL, false};
	struct bg_config c;
	char err[256];
	unsigned unknown = 0;

	bg_config_defaults(&c);
	T_EQ_STR(c.store, "/var/lib/breachguard");
	T_EQ_INT(c.action, BG_ACT_FORCE_CHANGE);
	T_EQ_INT(c.min_uid, 1000);
	T_CHECK(bg_list_contains(&c.exempt_users, "root"));
	T_EQ_INT(c.on_error, BG_ON_ERROR_OPEN);

	/* Numbers: strict, with range. */
	T_EQ_INT(bg_config_set(&c, "grace_days", "14", err, sizeof(err)), 0);
	T_EQ_INT(c.grace_days, 14);
	T_CHECK(bg_config_set(&c, "grace_days", "-1", err, sizeof(err)) < 0);
	T_CHECK(bg_config_set(&c, "grace_days", "10x", err, sizeof(err)) < 0);
	T_CHECK(bg_config_set(&c, "grace_days", "3651", err, sizeof(err)) < 0);
	T_CHECK(bg_config_set(&c, "grace_days", "", err, sizeof(err)) < 0);
	T_CHECK(bg_config_set(&c, "min_uid", "99999999999999999999", err, sizeof(err)) < 0);
	T_EQ_INT(c.grace_days, 14);
	T_EQ_INT(bg_config_set(&c, "action", "deny", err, sizeof(err)), 0);
	T_EQ_INT(c.action, BG_ACT_DENY);
	T_EQ_INT(bg_config_set(&c, "action", "lock", err, sizeof(err)), -EINVAL);
	T_CHECK(strstr(err, "action") != NULL);
	T_EQ_INT(bg_config_set(&c, "bogus", "1", err, sizeof(err)), -ENOENT);
	T_EQ_INT(bg_config_set(&c, "store", "relative/path", err, sizeof(err)), -EINVAL);
	T_EQ_INT(
	    bg_config_set(&c, "domains", "example.com, corp.example  x.test", err, sizeof(err)), 0);
	T_EQ_INT(c.domains.n, 3);
	T_CHECK(bg_list_contains(&c.domains, "x.test"));
	T_EQ_INT(bg_config_set(&c, "subaddress", "none", err, sizeof(err)), 0);
	T_EQ_STR(c.subaddress, "");
	T_EQ_INT(bg_config_set(&c, "fold_case", "off", err, sizeof(err)), 0);
	T_CHECK(!c.fold_case);
	T_CHECK(bg_config_set(&c, "fold_case", "maybe", err, sizeof(err)) < 0);

	/* A file: comments, quotes, unknown keys warned (or errors when strict). */
	{
		char path[] = "/tmp/bg-test-conf-XXXXXX";
		const char *text = "# comment\n\n  store = /tmp/bgstore \n"
				   "message = \"Change it # now, %u\"\nwhat = ever\n"
				   "on_error=closed # fail closed here\n";

		T_EQ_INT(write_conf(path, text, 0644), 0);
		bg_config_defaults(&c);
		warnings = 0;
		/* An unknown key is an error (issue 10 item 10), the rest still applies. */
		T_CHECK(bg_config_load(&c, path, false, false, &log, &unknown) < 0);
		T_EQ_INT(unknown, 1);
		T_EQ_INT(warnings, 1);
		T_EQ_STR(c.store, "/tmp/bgstore");
		T_EQ_STR(c.message, "Change it # now, %u");
		T_EQ_INT(c.on_error, BG_ON_ERROR_CLOSED);
		T_CHECK(bg_config_load(&c, path, false, true, &log, NULL) < 0);

		/* Module arguments override the file, conf= read first wherever it stands. */
		{
			char confarg[64];
			const char *argv[] = {"action=warn", confarg, "debug", "store=/tmp/other",
					      "nonsense"};

			snprintf(confarg, sizeof(confarg), "conf=%s", path);
			bg_config_defaults(&c);
			/* The file's unknown key and "nonsense" are errors; the rest applies. */
			T_CHECK(bg_config_from_args(&c, 5, argv, &log) < 0);
			T_EQ_INT(c.action, BG_ACT_WARN);
			T_EQ_STR(c.store, "/tmp/other");
			T_CHECK(c.debug);
			T_EQ_INT(c.on_error, BG_ON_ERROR_CLOSED);
		}
		/* Unsafe file: writable by others. */
		chmod(path, 0666);
		bg_config_defaults(&c);
		T_CHECK(bg_config_load(&c, path, false, false, &log, NULL) < 0);
		unlink(path);
		/* Only the default file may be missing. */
		T_CHECK(bg_config_load(&c, path, false, false, &log, NULL) < 0);
		T_EQ_INT(bg_config_load(&c, path, true, false, &log, NULL), 0);
		{
			char confarg[64];
			const char *argv[] = {confarg};

			snprintf(confarg, sizeof(confarg), "conf=%s", path);
			T_CHECK(bg_config_from_args(&c, 1, argv, &log) < 0);
		}
	}
	/* Bad value in a file: error naming the line. */
	{
		char path[] = "/tmp/bg-test-conf-XXXXXX";

		T_EQ_INT(write_conf(path, "grace_days = 7\nmin_uid = -5\n", 0644), 0);
		bg_config_defaults(&c);
		T_CHECK(bg_config_load(&c, path, false, false, &log, NULL) < 0);
		unlink(path);
		strcpy(path, "/tmp/bg-test-conf-XXXXXX");
		/* A bad line does not stop the rest: on_error=closed still applies. */
		T_EQ_INT(write_conf(path, "grace_days = 10x\non_error = closed\n", 0644), 0);
		bg_config_defaults(&c);
		T_CHECK(bg_config_load(&c, path, false, false, &log, NULL) < 0);
		T_EQ_INT(c.on_error, BG_ON_ERROR_CLOSED);
		{
			const char *argv[] = {"grace_days=-1", "on_error=closed"};

			bg_config_defaults(&c);
			T_CHECK(bg_config_from_args(&c, 2, argv, &log) < 0);
			T_EQ_INT(c.on_error, BG_ON_ERROR_CLOSED);
		}
		unlink(path);
		strcpy(path, "/tmp/bg-test-conf-XXXXXX");
		/* '#' needs white space before it to start a comment. */
		T_EQ_INT(write_conf(path, "grace_days = 3#x\n", 0644), 0);
		T_CHECK(bg_config_load(&c, path, false, false, &log, NULL) < 0);
		unlink(path);
		strcpy(path, "/tmp/bg-test-conf-XXXXXX");
		T_EQ_INT(write_conf(path, "message = \"open quote\n", 0644), 0);
		T_CHECK(bg_config_load(&c, path, false, false, &log, NULL) < 0);
		unlink(path);
		strcpy(path, "/tmp/bg-test-conf-XXXXXX");
		T_EQ_INT(write_conf(path, "no equals sign here\n", 0644), 0);
		T_CHECK(bg_config_load(&c, path, false, false, &log, NULL) < 0);
		unlink(path);
	}
	return t_done("test_config");
}
