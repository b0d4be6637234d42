/* test_config.c: one parser for file and module arguments; ranges and errors;
 * the option table behind them covers struct bg_config. */
#include <errno.h>
#include <limits.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "t.h"

static unsigned warnings;
static char last[1024];

static void count_fn(void *arg, int prio, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void count_fn(void *arg, int prio, const char *fmt, va_list ap)
{
	(void)arg;
	if (prio <= LOG_WARNING) {
		warnings++;
		vsnprintf(last, sizeof(last), fmt, ap);
	}
}

static struct bg_logger tlog = {count_fn, NULL, false};

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

static void defaults(void)
{
	struct bg_config c;

	bg_config_defaults(&c);
	T_EQ_STR(c.store, "/var/lib/breachguard");
	T_EQ_STR(c.key_file, "/etc/security/breachguard.key");
	T_EQ_STR(c.aliases, "");
	T_EQ_INT(c.domains.n, 0);
	T_EQ_INT(c.action, BG_ACT_FORCE_CHANGE);
	T_EQ_INT(c.min_uid, 1000);
	T_EQ_INT(c.grace_days, 0);
	T_CHECK(bg_list_contains(&c.exempt_users, "root"));
	T_EQ_INT(c.exempt_users.n, 1);
	T_EQ_INT(c.on_error, BG_ON_ERROR_OPEN);
	T_CHECK(c.fold_case);
	T_CHECK(!c.gecos_email && !c.audit && !c.debug);
	T_EQ_STR(c.subaddress, "+");
	T_EQ_STR(c.message, "");
	T_EQ_INT(c.trusted_keys.n, 0);
	T_EQ_STR(bg_action_name(BG_ACT_WARN), "warn");
}

/* The rows tile struct bg_config: every field is an option, laid out with no
 * gap but alignment padding, so bg_config_defaults (which sets the rows and
 * clears nothing else) leaves no field unset. */
static size_t row_align(const struct bg_option *o)
{
	switch (o->type) {
	case BG_OPT_BOOL:
		return alignof(bool);
	case BG_OPT_NUM:
	case BG_OPT_WORD:
		return o->size == sizeof(unsigned long) ? alignof(unsigned long)
							: alignof(unsigned);
	case BG_OPT_LIST:
	case BG_OPT_PATHS:
		return alignof(struct bg_list);
	default:
		return 1;
	}
}

static void table_tiles_struct(void)
{
	const struct bg_option *rows[64];
	size_t n = 0, end = 0;

	for (size_t i = 0; bg_option_at(i) && n < 64; i++)
		rows[n++] = bg_option_at(i);
	T_CHECK(n > 0 && n < 64);
	for (size_t i = 1; i < n; i++) /* by offset */
		for (size_t j = i; j > 0 && rows[j]->offset < rows[j - 1]->offset; j--) {
			const struct bg_option *t = rows[j];

			rows[j] = rows[j - 1];
			rows[j - 1] = t;
		}
	for (size_t i = 0; i < n; i++) {
		const struct bg_option *o = rows[i];
		size_t a = row_align(o);

		T_EQ_INT(o->offset, (end + a - 1) / a * a);
		end = o->offset + o->size;
		T_CHECK(bg_option_find(o->name) == o);
		switch (o->type) {
		case BG_OPT_BOOL:
			T_EQ_INT(o->size, sizeof(bool));
			T_CHECK(o->def <= 1);
			break;
		case BG_OPT_NUM:
			T_CHECK(o->size == sizeof(unsigned) || o->size == sizeof(unsigned long));
			T_CHECK(o->min <= o->def && o->def <= o->max);
			T_CHECK(o->size == sizeof(unsigned long) || o->max <= UINT_MAX);
			break;
		case BG_OPT_WORD: {
			size_t w = 0;

			T_EQ_INT(o->size, sizeof(unsigned));
			T_CHECK(o->words != NULL);
			while (o->words && o->words[w])
				w++;
			T_CHECK(w >= 2 && o->def < w);
			break;
		}
		case BG_OPT_LIST:
		case BG_OPT_PATHS:
			T_EQ_INT(o->size, sizeof(struct bg_list));
			break;
		default:
			T_CHECK(!o->def_text || strlen(o->def_text) < o->size);
			break;
		}
	}
	T_EQ_INT((end + alignof(struct bg_config) - 1) / alignof(struct bg_config) *
		     alignof(struct bg_config),
		 sizeof(struct bg_config));
}

/* Whatever the memory held before, the defaults are the same values. */
static void defaults_set_every_field(void)
{
	static struct bg_config a, b;

	memset(&a, 0, sizeof(a));
	memset(&b, 0xa5, sizeof(b));
	bg_config_defaults(&a);
	bg_config_defaults(&b);
	for (size_t i = 0; bg_option_at(i); i++) {
		const struct bg_option *o = bg_option_at(i);
		const char *pa = (const char *)&a + o->offset, *pb = (const char *)&b + o->offset;

		if (o->type == BG_OPT_LIST || o->type == BG_OPT_PATHS) {
			const struct bg_list *la = (const void *)pa, *lb = (const void *)pb;

			T_EQ_INT(la->n, lb->n);
			T_EQ_INT(la->used, lb->used);
			T_CHECK(la->used == lb->used && memcmp(la->buf, lb->buf, la->used) == 0);
		} else if (o->type == BG_OPT_BOOL || o->type == BG_OPT_NUM ||
			   o->type == BG_OPT_WORD) {
			T_CHECK(memcmp(pa, pb, o->size) == 0);
		} else {
			T_EQ_STR(pa, pb);
		}
	}
}

/* Numbers: strict, with range; words; lists. */
static void values(void)
{
	struct bg_config c;
	char err[256];

	bg_config_defaults(&c);
	T_EQ_INT(bg_config_set(&c, "grace_days", "14", err, sizeof(err)), 0);
	T_EQ_INT(c.grace_days, 14);
	T_CHECK(bg_config_set(&c, "grace_days", "-1", err, sizeof(err)) < 0);
	T_CHECK(bg_config_set(&c, "grace_days", "10x", err, sizeof(err)) < 0);
	T_CHECK(bg_config_set(&c, "grace_days", "3651", err, sizeof(err)) < 0);
	T_CHECK(bg_config_set(&c, "grace_days", "", err, sizeof(err)) < 0);
	T_CHECK(bg_config_set(&c, "min_uid", "99999999999999999999", err, sizeof(err)) < 0);
	T_CHECK(bg_config_set(&c, "min_uid", "4294967295", err, sizeof(err)) < 0);
	T_EQ_INT(bg_config_set(&c, "min_uid", "4294967294", err, sizeof(err)), 0);
	T_EQ_INT(c.min_uid, 4294967294UL);
	T_EQ_INT(c.grace_days, 14);
	T_EQ_INT(bg_config_set(&c, "action", "deny", err, sizeof(err)), 0);
	T_EQ_INT(c.action, BG_ACT_DENY);
	T_EQ_INT(bg_config_set(&c, "action", "lock", err, sizeof(err)), -EINVAL);
	T_CHECK(strstr(err, "action") != NULL);
	T_EQ_INT(c.action, BG_ACT_DENY);
	T_EQ_INT(bg_config_set(&c, "locked_accounts", "deny", err, sizeof(err)), 0);
	T_EQ_INT(c.locked_accounts, BG_LOCKED_DENY);
	T_EQ_INT(bg_config_set(&c, "bogus", "1", err, sizeof(err)), -ENOENT);
	T_EQ_INT(bg_config_set(&c, "store", "relative/path", err, sizeof(err)), -EINVAL);
	T_EQ_INT(bg_config_set(&c, "aliases", "", err, sizeof(err)), 0);
	T_EQ_INT(bg_config_set(&c, "key_file", "", err, sizeof(err)), -EINVAL);
	T_EQ_INT(
	    bg_config_set(&c, "domains", "example.com, corp.example  x.test", err, sizeof(err)), 0);
	T_EQ_INT(c.domains.n, 3);
	T_CHECK(bg_list_contains(&c.domains, "x.test"));
	T_EQ_INT(bg_config_set(&c, "domains", " ,, ", err, sizeof(err)), 0);
	T_EQ_INT(c.domains.n, 0);
	T_EQ_INT(bg_config_set(&c, "subaddress", "none", err, sizeof(err)), 0);
	T_EQ_STR(c.subaddress, "");
	T_EQ_INT(bg_config_set(&c, "subaddress", "+-", err, sizeof(err)), 0);
	T_EQ_STR(c.subaddress, "+-");
	T_EQ_INT(bg_config_set(&c, "fold_case", "off", err, sizeof(err)), 0);
	T_CHECK(!c.fold_case);
	T_CHECK(bg_config_set(&c, "fold_case", "maybe", err, sizeof(err)) < 0);
	T_EQ_INT(bg_config_set(&c, "trusted_keys", "/etc/a.pem, /etc/b.pem", err, sizeof(err)), 0);
	T_EQ_INT(c.trusted_keys.n, 2);
}

static void expect(struct bg_config *c, const char *key, const char *v, int rc, const char *msg)
{
	char err[256] = "";

	T_EQ_INT(bg_config_set(c, key, v, err, sizeof(err)), rc);
	T_EQ_STR(err, msg);
}

/* A bad value names the key, the value and what is allowed: range, words. */
static void error_messages(void)
{
	static struct bg_config c;
	char big[3000], path[] = "/tmp/bg-test-conf-XXXXXX", want[600], err[256];

	bg_config_defaults(&c);
	expect(&c, "grace_days", "3651", -ERANGE,
	       "grace_days: \"3651\" is not a number from 0 to 3650");
	expect(&c, "grace_days", "10x", -EINVAL,
	       "grace_days: \"10x\" is not a number from 0 to 3650");
	expect(&c, "min_uid", "-1", -EINVAL,
	       "min_uid: \"-1\" is not a number from 0 to 4294967294");
	expect(&c, "action", "lock", -EINVAL,
	       "action: \"lock\" is not force-change, deny, warn or audit");
	expect(&c, "locked_accounts", "x", -EINVAL, "locked_accounts: \"x\" is not skip or deny");
	expect(&c, "on_error", "shut", -EINVAL, "on_error: \"shut\" is not open or closed");
	expect(&c, "root_su", "sometimes", -EINVAL,
	       "root_su: \"sometimes\" is not skip or enforce");
	expect(&c, "fold_case", "maybe", -EINVAL, "fold_case: \"maybe\" is not yes or no");
	expect(&c, "store", "relative/path", -EINVAL,
	       "store: \"relative/path\" is not an absolute path");
	expect(&c, "subaddress", "a@", -EINVAL,
	       "subaddress: \"a@\" must be up to 7 separator characters (not @), or none");
	expect(&c, "trusted_keys", "/etc/a.pem rel.pem", -EINVAL,
	       "trusted_keys: \"rel.pem\" is not an absolute path");
	expect(&c, "bogus", "1", -ENOENT, "unknown option \"bogus\"");
	expect(&c, "domain", "x", -ENOENT, "unknown option \"domain\" (did you mean domains?)");
	/* A domain no address can have: every account would read clear, silently. */
	expect(&c, "domains", "example.com @example.jp", -EINVAL,
	       "domains: \"@example.jp\" is not a domain (labels of letters, digits and '-', two "
	       "or more: example.co.jp)");
	expect(&c, "domains", "a.com;b.com", -EINVAL,
	       "domains: \"a.com;b.com\" is not a domain (labels of letters, digits and '-', two "
	       "or more: example.co.jp)");
	for (size_t i = 0; i < 5; i++) {
		static const char *const bad[] = {"example.com:", "example", "-a.com", "a-.com",
						  "a..com"};

		bg_config_defaults(&c);
		T_EQ_INT(bg_config_set(&c, "domains", bad[i], err, sizeof(err)), -EINVAL);
		T_EQ_INT(c.domains.n, 0);
	}
	T_EQ_INT(bg_config_set(&c, "domains", "例え.テスト xn--r8jz45g.xn--zckzah a-b.example", err,
			       sizeof(err)),
		 0);
	T_EQ_INT(c.domains.n, 3);
	memset(big, 'a', sizeof(big));
	big[0] = '/';
	big[sizeof(big) - 1] = '\0';
	expect(&c, "store", big, -ENAMETOOLONG, "store: path too long");
	expect(&c, "trusted_keys", big, -ENOSPC,
	       "trusted_keys: list too long (at most 2048 bytes)");
	expect(&c, "domains", big, -ENOSPC, "domains: list too long (at most 2048 bytes)");
	big[1500] = '\0'; /* fits the list, not a path */
	expect(&c, "trusted_keys", big, -ENAMETOOLONG, "trusted_keys: path too long");
	big[512] = '\0';
	expect(&c, "message", big, -EINVAL, "message: longer than 511 bytes");
	/* In a file: path and line before it. */
	T_EQ_INT(write_conf(path, "grace_days = 7\nmin_uid = -5\n", 0644), 0);
	warnings = 0;
	T_CHECK(bg_config_load(&c, path, false, false, &tlog, NULL) < 0);
	T_EQ_INT(warnings, 1);
	snprintf(want, sizeof(want), "%s:2: min_uid: \"-5\" is not a number from 0 to 4294967294",
		 path);
	T_EQ_STR(last, want);
	unlink(path);
}

/* A refused value changes nothing: a list is checked whole before it is set. */
static void refused_value_keeps_old(void)
{
	static struct bg_config c;
	char err[256], big[3000];

	bg_config_defaults(&c);
	T_EQ_INT(bg_config_set(&c, "domains", "example.com", err, sizeof(err)), 0);
	memset(big, 'a', sizeof(big));
	for (size_t i = 10; i < sizeof(big); i += 10)
		big[i] = ',';
	big[sizeof(big) - 1] = '\0';
	T_EQ_INT(bg_config_set(&c, "domains", big, err, sizeof(err)), -ENOSPC);
	T_EQ_INT(c.domains.n, 1);
	T_CHECK(bg_list_contains(&c.domains, "example.com"));
	T_EQ_INT(bg_config_set(&c, "trusted_keys", "/etc/a.pem", err, sizeof(err)), 0);
	T_EQ_INT(bg_config_set(&c, "trusted_keys", "/etc/b.pem,b.pem", err, sizeof(err)), -EINVAL);
	T_EQ_INT(c.trusted_keys.n, 1);
	T_CHECK(bg_list_contains(&c.trusted_keys, "/etc/a.pem"));
	T_EQ_INT(bg_config_set(&c, "subaddress", "12345678", err, sizeof(err)), -EINVAL);
	T_EQ_STR(c.subaddress, "+");
	T_EQ_INT(bg_config_set(&c, "min_uid", "10x", err, sizeof(err)), -EINVAL);
	T_EQ_INT(c.min_uid, 1000);
}

/* "debug" alone is debug=yes; no other key may stand alone. */
static void bare_debug_argument(void)
{
	struct bg_config c;
	const char *argv[] = {"conf=/nonexistent/bg.conf", "debug"};
	const char *audit[] = {"conf=/nonexistent/bg.conf", "audit"};

	bg_config_defaults(&c);
	T_CHECK(bg_config_from_args(&c, 2, argv, &tlog) < 0); /* the named file is missing */
	T_CHECK(c.debug);
	bg_config_defaults(&c);
	warnings = 0;
	T_CHECK(bg_config_from_args(&c, 2, audit, &tlog) < 0);
	T_CHECK(!c.audit);
	T_EQ_STR(last, "module argument \"audit\": expected key=value (did you mean audit?)");
}

/* A file: comments, quotes, unknown keys warned (or errors when strict). */
static void file_and_arguments(void)
{
	struct bg_config c;
	unsigned unknown = 0;
	char path[] = "/tmp/bg-test-conf-XXXXXX";
	const char *text = "# comment\n\n  store = /tmp/bgstore \n"
			   "message = \"Change it # now, %u\"\nwhat = ever\n"
			   "on_error=closed # fail closed here\n";

	T_EQ_INT(write_conf(path, text, 0644), 0);
	bg_config_defaults(&c);
	warnings = 0;
	/* An unknown key is an error (issue 10 item 10), the rest still applies. */
	T_CHECK(bg_config_load(&c, path, false, false, &tlog, &unknown) < 0);
	T_EQ_INT(unknown, 1);
	T_EQ_INT(warnings, 1);
	T_EQ_STR(c.store, "/tmp/bgstore");
	T_EQ_STR(c.message, "Change it # now, %u");
	T_EQ_INT(c.on_error, BG_ON_ERROR_CLOSED);
	T_CHECK(bg_config_load(&c, path, false, true, &tlog, NULL) < 0);

	/* Module arguments override the file, conf= read first wherever it stands. */
	{
		char confarg[64];
		const char *argv[] = {"action=warn", confarg, "debug", "store=/tmp/other",
				      "nonsense"};

		snprintf(confarg, sizeof(confarg), "conf=%s", path);
		bg_config_defaults(&c);
		/* The file's unknown key and "nonsense" are errors; the rest applies. */
		T_CHECK(bg_config_from_args(&c, 5, argv, &tlog) < 0);
		T_EQ_INT(c.action, BG_ACT_WARN);
		T_EQ_STR(c.store, "/tmp/other");
		T_CHECK(c.debug);
		T_EQ_INT(c.on_error, BG_ON_ERROR_CLOSED);
	}
	/* A NUL byte (an editor's mishap): that line is an error, the others
	 * count, on_error = closed among them (the whole file refused made the
	 * module fall back to on_error = open). */
	{
		char npath[] = "/tmp/bg-test-conf-XXXXXX";
		static const char ntext[] = "on_error = closed\n# a \0 here\nstore = /tmp/nul\n";
		int fd = mkstemp(npath);

		T_CHECK(fd >= 0);
		if (fd >= 0) {
			T_CHECK(write(fd, ntext, sizeof(ntext) - 1) == (ssize_t)sizeof(ntext) - 1);
			fchmod(fd, 0644);
			close(fd);
			bg_config_defaults(&c);
			warnings = 0;
			T_CHECK(bg_config_load(&c, npath, false, false, &tlog, NULL) < 0);
			T_EQ_INT(warnings, 1);
			T_EQ_INT(c.on_error, BG_ON_ERROR_CLOSED);
			T_EQ_STR(c.store, "/tmp/nul");
			unlink(npath);
		}
	}
	/* Unsafe file: writable by others. */
	chmod(path, 0666);
	bg_config_defaults(&c);
	T_CHECK(bg_config_load(&c, path, false, false, &tlog, NULL) < 0);
	unlink(path);
	/* Only the default file may be missing. */
	T_CHECK(bg_config_load(&c, path, false, false, &tlog, NULL) < 0);
	T_EQ_INT(bg_config_load(&c, path, true, false, &tlog, NULL), 0);
	{
		char confarg[64];
		const char *argv[] = {confarg};

		snprintf(confarg, sizeof(confarg), "conf=%s", path);
		T_CHECK(bg_config_from_args(&c, 1, argv, &tlog) < 0);
	}
}

/* Bad value in a file: error naming the line; a bad line does not stop the rest. */
static void bad_lines_in_file(void)
{
	struct bg_config c;
	char path[] = "/tmp/bg-test-conf-XXXXXX";

	T_EQ_INT(write_conf(path, "grace_days = 7\nmin_uid = -5\n", 0644), 0);
	bg_config_defaults(&c);
	T_CHECK(bg_config_load(&c, path, false, false, &tlog, NULL) < 0);
	unlink(path);
	strcpy(path, "/tmp/bg-test-conf-XXXXXX");
	/* on_error=closed still applies. */
	T_EQ_INT(write_conf(path, "grace_days = 10x\non_error = closed\n", 0644), 0);
	bg_config_defaults(&c);
	T_CHECK(bg_config_load(&c, path, false, false, &tlog, NULL) < 0);
	T_EQ_INT(c.on_error, BG_ON_ERROR_CLOSED);
	{
		const char *argv[] = {"grace_days=-1", "on_error=closed"};

		bg_config_defaults(&c);
		T_CHECK(bg_config_from_args(&c, 2, argv, &tlog) < 0);
		T_EQ_INT(c.on_error, BG_ON_ERROR_CLOSED);
	}
	unlink(path);
	strcpy(path, "/tmp/bg-test-conf-XXXXXX");
	/* '#' needs white space before it to start a comment. */
	T_EQ_INT(write_conf(path, "grace_days = 3#x\n", 0644), 0);
	T_CHECK(bg_config_load(&c, path, false, false, &tlog, NULL) < 0);
	unlink(path);
	strcpy(path, "/tmp/bg-test-conf-XXXXXX");
	T_EQ_INT(write_conf(path, "message = \"open quote\n", 0644), 0);
	T_CHECK(bg_config_load(&c, path, false, false, &tlog, NULL) < 0);
	unlink(path);
	strcpy(path, "/tmp/bg-test-conf-XXXXXX");
	T_EQ_INT(write_conf(path, "no equals sign here\n", 0644), 0);
	T_CHECK(bg_config_load(&c, path, false, false, &tlog, NULL) < 0);
	unlink(path);
}

int main(int argc, char **argv)
{
	t_init(argc, argv);
	T_RUN(defaults);
	T_RUN(table_tiles_struct);
	T_RUN(defaults_set_every_field);
	T_RUN(values);
	T_RUN(error_messages);
	T_RUN(refused_value_keeps_old);
	T_RUN(bare_debug_argument);
	T_RUN(file_and_arguments);
	T_RUN(bad_lines_in_file);
	return t_done("test_config");
}
