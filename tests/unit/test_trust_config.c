/* test_trust_config.c: issue 10 item 10.  A misspelled key is an error with the
 * nearest valid key, in the file and in module arguments; a relative conf= is
 * refused; config, key, aliases and store in an unsafe directory are refused. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "digest.h"
#include "identity.h"
#include "safeopen.h"
#include "store.h"
#include "t.h"

static char last[1024];
static unsigned errors;

static void rec_fn(void *arg, int prio, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void rec_fn(void *arg, int prio, const char *fmt, va_list ap)
{
	(void)arg;
	if (prio <= LOG_ERR) {
		errors++;
		vsnprintf(last, sizeof(last), fmt, ap);
	}
}

static void put(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	T_CHECK(f != NULL);
	if (!f)
		return;
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

/* One scratch directory for every case; sub is its etc/. */
static char dir[] = "/tmp/bg-trustconf-XXXXXX", sub[512];
static struct bg_logger tlog = {rec_fn, NULL, false};

static void misspelt_key_suggestion(void)
{
	struct bg_config c;
	char err[256];

	/* Every row of the table is a key bg_config_set() accepts. */
	for (size_t i = 0; bg_option_at(i); i++) {
		bg_config_defaults(&c);
		T_CHECK(bg_config_set(&c, bg_option_at(i)->name, "x", err, sizeof(err)) != -ENOENT);
	}
	T_EQ_STR(bg_config_suggest("domain"), "domains");
	T_EQ_STR(bg_config_suggest("on_eror"), "on_error");
	T_EQ_STR(bg_config_suggest("exempt_group"), "exempt_groups");
	T_EQ_STR(bg_config_suggest("Domains"), "domains");
	T_EQ_STR(bg_config_suggest("trusted_key"), "trusted_keys");
	T_CHECK(bg_config_suggest("zzzzzzzzzz") == NULL);
}

/* The file: "domain =" is an error naming file, line and the right key. */
static void misspelt_key_in_file(void)
{
	struct bg_config c;
	char path[512], want[600];

	snprintf(path, sizeof(path), "%s/bg.conf", dir);
	put(path, "# site\non_error = closed\ndomain = example.com\n", 0644);
	bg_config_defaults(&c);
	errors = 0;
	T_CHECK(bg_config_load(&c, path, false, false, &tlog, NULL) < 0);
	T_EQ_INT(errors, 1);
	snprintf(want, sizeof(want), "%s:3: unknown option \"domain\" (did you mean domains?)",
		 path);
	T_EQ_STR(last, want);
	T_EQ_INT(c.on_error, BG_ON_ERROR_CLOSED); /* the rest still applies */
}

/* Module arguments: the same. */
static void misspelt_key_in_args(void)
{
	struct bg_config c;
	const char *argv1[] = {"domain=example.com"}, *argv2[] = {"on_eror"};

	bg_config_defaults(&c);
	errors = 0;
	T_CHECK(bg_config_from_args(&c, 1, argv1, &tlog) < 0);
	T_CHECK(strstr(last, "did you mean domains?") != NULL);
	bg_config_defaults(&c);
	T_CHECK(bg_config_from_args(&c, 1, argv2, &tlog) < 0);
	T_CHECK(strstr(last, "on_eror") != NULL);
}

/* A relative conf= is refused, even when such a file exists here. */
static void relative_conf_refused(void)
{
	struct bg_config c;
	char path[512];
	const char *argv[] = {"conf=bg.conf", "on_error=closed"};

	snprintf(path, sizeof(path), "%s/bg.conf", dir);
	put(path, "domains = example.com\n", 0644);
	T_EQ_INT(chdir(dir), 0);
	bg_config_defaults(&c);
	errors = 0;
	T_CHECK(bg_config_from_args(&c, 2, argv, &tlog) < 0);
	T_CHECK(strstr(last, "not an absolute path") != NULL);
	T_EQ_INT(c.domains.n, 0);
	T_EQ_INT(c.on_error, BG_ON_ERROR_CLOSED);
	T_EQ_INT(chdir("/"), 0);
}

/* Parent directories: a group-writable directory above the file. */
static void unsafe_parent_directories(void)
{
	struct bg_config c;
	char path[512], why[512], link[512];

	snprintf(path, sizeof(path), "%s/etc/bg.conf", dir);
	put(path, "domains = example.com\n", 0644);
	T_EQ_INT(bg_check_parents(path, why, sizeof(why)), 0);
	chmod(sub, 0775);
	T_EQ_INT(bg_check_parents(path, why, sizeof(why)), -EPERM);
	T_CHECK(strstr(why, "writable by group or others") != NULL);
	T_CHECK(strstr(why, sub) != NULL);
	bg_config_defaults(&c);
	errors = 0;
	T_CHECK(bg_config_load(&c, path, false, false, &tlog, NULL) < 0);
	T_CHECK(strstr(last, sub) != NULL);
	/* The same one level higher, and sticky (/tmp-like) is accepted. */
	chmod(sub, 0755);
	chmod(dir, 0777);
	T_EQ_INT(bg_check_parents(path, why, sizeof(why)), -EPERM);
	chmod(dir, 01777);
	T_EQ_INT(bg_check_parents(path, why, sizeof(why)), 0);
	chmod(dir, 0700);
	/* Through a symlinked directory: the target's ancestors are what count. */
	snprintf(link, sizeof(link), "%s/lnk", dir);
	T_EQ_INT(symlink(sub, link), 0);
	snprintf(path, sizeof(path), "%s/lnk/bg.conf", dir);
	chmod(sub, 0777);
	T_EQ_INT(bg_check_parents(path, why, sizeof(why)), -EPERM);
	chmod(sub, 0755);
	unlink(link);
	/* A relative path (the tool's --config) is resolved from the working directory. */
	T_EQ_INT(chdir(dir), 0);
	T_EQ_INT(bg_check_parents("etc/bg.conf", why, sizeof(why)), 0);
	chmod(sub, 0777);
	T_EQ_INT(bg_check_parents("etc/bg.conf", why, sizeof(why)), -EPERM);
	chmod(sub, 0755);
	T_EQ_INT(chdir("/"), 0);
}

/* login.defs CHFN_RESTRICT: the GECOS fields users may change (item 4). */
static void chfn_restrict_fields(void)
{
	char ld[600];

	snprintf(ld, sizeof(ld), "%s/login.defs", dir);
	unlink(ld);
	T_EQ_INT(bg_gecos_user_fields(ld, &tlog), 0); /* missing: chfn lets them change none */
	put(ld, "# x\nCHFN_RESTRICT\t\trwh\n", 0644);
	T_EQ_INT(bg_gecos_user_fields(ld, &tlog), 0xe);
	put(ld, "CHFN_RESTRICT yes\n", 0644);
	T_EQ_INT(bg_gecos_user_fields(ld, &tlog), 0xe);
	put(ld, "CHFN_RESTRICT no\n", 0644);
	T_EQ_INT(bg_gecos_user_fields(ld, &tlog), 0xf);
	put(ld, "#CHFN_RESTRICT no\nCHFN_RESTRICT f\n", 0644);
	T_EQ_INT(bg_gecos_user_fields(ld, &tlog), 0x1);
	put(ld, "UMASK 022\n", 0644);
	T_EQ_INT(bg_gecos_user_fields(ld, &tlog), 0);
}

/* Key and store: the same check as the config file's. */
static void key_and_store_parents(void)
{
	unsigned char key[BG_KEY_LEN];
	struct bg_store *st = NULL;
	char kpath[600], spath[600];

	snprintf(kpath, sizeof(kpath), "%s/key", sub);
	snprintf(spath, sizeof(spath), "%s/store", sub);
	T_EQ_INT(bg_key_create(kpath, NULL), 0);
	T_EQ_INT(bg_key_load(kpath, key, &tlog), 0);
	T_EQ_INT(bg_store_open(&st, spath, key, BG_STORE_CREATE, 1 << 20, &tlog), 0);
	bg_store_close(st);
	st = NULL;
	chmod(sub, 0757);
	errors = 0;
	T_CHECK(bg_key_load(kpath, key, &tlog) < 0);
	T_CHECK(strstr(last, "writable by group or others") != NULL);
	T_CHECK(bg_store_open(&st, spath, key, BG_STORE_RDONLY, 0, &tlog) < 0);
	T_CHECK(strstr(last, "writable by group or others") != NULL);
	T_CHECK(st == NULL);
	chmod(sub, 0755);
	T_EQ_INT(bg_store_open(&st, spath, key, BG_STORE_RDONLY, 0, &tlog), 0);
	bg_store_close(st);
}

int main(int argc, char **argv)
{
	char cmd[600];

	t_init(argc, argv);
	T_CHECK(mkdtemp(dir) != NULL);
	snprintf(sub, sizeof(sub), "%s/etc", dir);
	T_EQ_INT(mkdir(sub, 0755), 0);
	T_RUN(misspelt_key_suggestion);
	T_RUN(misspelt_key_in_file);
	T_RUN(misspelt_key_in_args);
	T_RUN(relative_conf_refused);
	T_RUN(unsafe_parent_directories);
	T_RUN(chfn_restrict_fields);
	T_RUN(key_and_store_parents);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	T_EQ_INT(system(cmd), 0);
	return t_done("test_trust_config");
}
