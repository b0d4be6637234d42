/* test_trust_scope.c: bg_check_parents' fast path (no realpath) answers as the
 * general one, and a trust scope (one module call) checks a directory once:
 * inside the scope the answer is remembered, outside it every call checks. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safeopen.h"
#include "t.h"

static char dir[256], sub[300], file[340];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/bgscope.XXXXXX");
	T_CHECK(mkdtemp(dir) != NULL);
	chmod(dir, 0700);
	snprintf(sub, sizeof(sub), "%s/etc", dir);
	T_EQ_INT(mkdir(sub, 0755), 0);
	snprintf(file, sizeof(file), "%s/bg.conf", sub);
}

/* Names the fast path refuses ("//", ".", "..", a symlink) get the general
 * path's answer, with the same directory named. */
static void case_fast_and_general_agree(void)
{
	char why[2048], alt[600], link[400];

	T_EQ_INT(bg_check_parents(file, why, sizeof(why)), 0);
	chmod(sub, 0775);
	T_EQ_INT(bg_check_parents(file, why, sizeof(why)), -EPERM);
	T_CHECK(strstr(why, "writable by group or others") != NULL);
	T_CHECK(strstr(why, sub) != NULL);
	snprintf(alt, sizeof(alt), "%s/./etc//bg.conf", dir);
	T_EQ_INT(bg_check_parents(alt, why, sizeof(why)), -EPERM);
	T_CHECK(strstr(why, sub) != NULL);
	snprintf(alt, sizeof(alt), "%s/etc/../etc/bg.conf", dir);
	T_EQ_INT(bg_check_parents(alt, why, sizeof(why)), -EPERM);
	T_CHECK(strstr(why, sub) != NULL);
	snprintf(link, sizeof(link), "%s/lnk", dir);
	T_EQ_INT(symlink(sub, link), 0);
	snprintf(alt, sizeof(alt), "%s/bg.conf", link);
	T_EQ_INT(bg_check_parents(alt, why, sizeof(why)), -EPERM);
	T_CHECK(strstr(why, sub) != NULL);
	chmod(sub, 0755);
	T_EQ_INT(bg_check_parents(alt, why, sizeof(why)), 0);
	unlink(link);
	/* A missing directory: the general path's message. */
	snprintf(alt, sizeof(alt), "%s/nothere/bg.conf", dir);
	T_EQ_INT(bg_check_parents(alt, why, sizeof(why)), -ENOENT);
	T_CHECK(strstr(why, "its directory") != NULL);
	/* The root directory itself. */
	T_EQ_INT(bg_check_parents("/bg.conf", why, sizeof(why)), 0);
}

static void case_scope_checks_once(void)
{
	struct bg_trust_scope scope;
	char why[2048], other[400];

	bg_trust_scope_begin(&scope);
	T_EQ_INT(bg_check_parents(file, why, sizeof(why)), 0);
	chmod(sub, 0775); /* within the call: the answer stands */
	T_EQ_INT(bg_check_parents(file, why, sizeof(why)), 0);
	/* Another directory is checked (and then remembered instead). */
	snprintf(other, sizeof(other), "%s/x", dir);
	chmod(dir, 0770);
	T_EQ_INT(bg_check_parents(other, why, sizeof(why)), -EPERM);
	chmod(dir, 0700);
	T_EQ_INT(bg_check_parents(other, why, sizeof(why)), 0);
	T_EQ_INT(bg_check_parents(file, why, sizeof(why)), -EPERM);
	bg_trust_scope_end();
	/* Outside the scope every call checks. */
	T_EQ_INT(bg_check_parents(file, why, sizeof(why)), -EPERM);
	chmod(sub, 0755);
	T_EQ_INT(bg_check_parents(file, why, sizeof(why)), 0);
}

/* A relative name is never remembered: "." is another directory after chdir. */
static void case_scope_not_relative(void)
{
	struct bg_trust_scope scope;
	char why[2048];

	T_EQ_INT(chdir(sub), 0);
	bg_trust_scope_begin(&scope);
	T_EQ_INT(bg_check_parents("bg.conf", why, sizeof(why)), 0);
	chmod(sub, 0775);
	T_EQ_INT(bg_check_parents("bg.conf", why, sizeof(why)), -EPERM);
	bg_trust_scope_end();
	chmod(sub, 0755);
	T_EQ_INT(chdir("/"), 0);
}

int main(int argc, char **argv)
{
	char cmd[400];

	t_init(argc, argv);
	if (geteuid() != 0) {
		printf("test_trust_scope: skipped (needs root: the owner checks want root)\n");
		return 0;
	}
	setup();
	T_RUN(case_fast_and_general_agree);
	T_RUN(case_scope_checks_once);
	T_RUN(case_scope_not_relative);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	T_EQ_INT(system(cmd), 0);
	return t_done("test_trust_scope");
}
