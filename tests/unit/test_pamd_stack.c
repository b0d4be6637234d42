/* test_pamd_stack.c: `breachguard check`'s reading of pam.d stacks (issue 10
 * items 1 and 2): a sudo gating line that Debian's common-account can end the
 * stack before, jumps, sufficient, an ignored denial; and the password history
 * in front of pam_unix.  Stacks are written to a temporary pam.d. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pamd_stack.h"
#include "t.h"

static char dir[256];
static char last_why[512];

static void put(const char *name, const char *text)
{
	char path[400];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	T_CHECK(f != NULL);
	if (!f)
		return;
	fputs(text, f);
	fclose(f);
	chmod(path, 0644);
}

/* Gating: action=deny among the arguments (no conf= here). */
static bool deny_arg(int argc, const char *const *argv, void *arg)
{
	(void)arg;
	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], "action=deny") == 0)
			return true;
	return false;
}

static void report(const struct bg_pamd_skip *s, void *arg)
{
	(void)arg;
	snprintf(last_why, sizeof(last_why), "%s", s->why);
}

static int skippable(const char *service)
{
	last_why[0] = '\0';
	return bg_pamd_skippable(dir, service, "account", deny_arg, report, NULL);
}

#define DEBIAN_ACCOUNT                                                                             \
	"account [success=1 new_authtok_reqd=done default=ignore] pam_unix.so\n"                   \
	"account requisite pam_deny.so\n"                                                          \
	"account required pam_permit.so\n"                                                         \
	"account required pam_breachguard.so\n"

/* Which deny lines another module's result can skip. */
static void deny_gating(void)
{
	put("common-account", DEBIAN_ACCOUNT);
	/* The old sudo-gating.example: the deny line after the include.  pam_unix's
	 * new_authtok_reqd=done ends the stack before it (an expired password). */
	put("sudo-old", "auth required pam_permit.so\n"
			"@include common-account\n"
			"account required pam_breachguard.so action=deny\n");
	T_EQ_INT(skippable("sudo-old"), 1);
	T_CHECK(strstr(last_why, "common-account line 1") != NULL);
	T_CHECK(strstr(last_why, "new_authtok_reqd") != NULL);
	/* The shipped one: first, requisite. */
	put("sudo-new", "auth required pam_permit.so\n"
			"account requisite pam_breachguard.so action=deny\n"
			"@include common-account\n");
	T_EQ_INT(skippable("sudo-new"), 0);
	/* required before the include holds as well (a failure is kept by done). */
	put("sudo-req", "account required pam_breachguard.so action=deny\n"
			"account include common-account\n");
	T_EQ_INT(skippable("sudo-req"), 0);
	/* optional: a denial is ignored when another module succeeds. */
	put("sudo-opt", "account optional pam_breachguard.so action=deny\n"
			"@include common-account\n");
	T_EQ_INT(skippable("sudo-opt"), 1);
	T_CHECK(strstr(last_why, "does not fail the stack") != NULL);
	/* [default=ignore]: the same. */
	put("sudo-ign", "account [success=ok default=ignore] pam_breachguard.so action=deny\n");
	T_EQ_INT(skippable("sudo-ign"), 1);
	/* sufficient before it. */
	put("sudo-suff", "account sufficient pam_localuser.so\n"
			 "account required pam_breachguard.so action=deny\n");
	T_EQ_INT(skippable("sudo-suff"), 1);
	T_CHECK(strstr(last_why, "pam_localuser.so") != NULL);
	/* A jump over it, and one that lands before it. */
	put("sudo-jump", "account [success=2 default=ignore] pam_succeed_if.so uid < 1000\n"
			 "account required pam_permit.so\n"
			 "account required pam_breachguard.so action=deny\n");
	T_EQ_INT(skippable("sudo-jump"), 1);
	T_CHECK(strstr(last_why, "jumps over it") != NULL);
	put("sudo-jump1", "account [success=1 default=ignore] pam_succeed_if.so uid < 1000\n"
			  "account required pam_permit.so\n"
			  "account required pam_breachguard.so action=deny\n");
	T_EQ_INT(skippable("sudo-jump1"), 0);
	/* A force-change line after done is not gating: pam_unix forces then. */
	put("login", "@include common-account\n");
	T_EQ_INT(skippable("login"), 0);
}

/* The password history in front of pam_unix. */
static void password_history(void)
{
	put("common-password", "password [success=1 default=ignore] pam_unix.so yescrypt\n"
			       "password requisite pam_deny.so\n"
			       "password required pam_permit.so\n"
			       "password optional pam_breachguard.so\n");
	put("passwd", "@include common-password\n");
	T_EQ_INT(bg_pamd_has_module(dir, "passwd", "password", "pam_pwhistory.so", "pam_unix.so"),
		 0);
	put("common-password",
	    "password requisite pam_pwhistory.so remember=5 enforce_for_root\n"
	    "password [success=1 default=ignore] pam_unix.so yescrypt use_authtok\n"
	    "password requisite pam_deny.so\n"
	    "password required pam_permit.so\n"
	    "password optional pam_breachguard.so\n");
	T_EQ_INT(bg_pamd_has_module(dir, "passwd", "password", "pam_pwhistory.so", "pam_unix.so"),
		 1);
	put("common-password", "password [success=1 default=ignore] pam_unix.so\n"
			       "password requisite pam_pwhistory.so\n");
	T_EQ_INT(bg_pamd_has_module(dir, "passwd", "password", "pam_pwhistory.so", "pam_unix.so"),
		 0);
}

/* A password line a failed change can fall through to (issue 10 item 3). */
static void fallthrough(void)
{
	put("pw-debian", "@include common-password-d\n");
	put("common-password-d", "password [success=1 default=ignore] pam_unix.so yescrypt\n"
				 "password requisite pam_deny.so\n"
				 "password required pam_permit.so\n"
				 "password optional pam_breachguard.so\n");
	T_EQ_INT(bg_pamd_fallthrough(dir, "pw-debian", report, NULL), 0);
	put("pw-required", "password required pam_unix.so\n"
			   "password required pam_breachguard.so\n");
	last_why[0] = '\0';
	T_EQ_INT(bg_pamd_fallthrough(dir, "pw-required", report, NULL), 1);
	T_CHECK(strstr(last_why, "pam_unix.so (pw-required line 1)") != NULL);
	put("pw-requisite", "password requisite pam_pwquality.so\n"
			    "password requisite pam_unix.so\n"
			    "password required pam_breachguard.so\n");
	T_EQ_INT(bg_pamd_fallthrough(dir, "pw-requisite", report, NULL), 0);
	put("pw-optional", "password optional pam_gnome_keyring.so\n"
			   "password required pam_breachguard.so\n");
	T_EQ_INT(bg_pamd_fallthrough(dir, "pw-optional", report, NULL), 1);
}

int main(int argc, char **argv)
{
	char tmpl[] = "/tmp/bg-test-pamd-XXXXXX", cmd[400];

	t_init(argc, argv);
	snprintf(dir, sizeof(dir), "%s", mkdtemp(tmpl));
	T_RUN(deny_gating);
	T_RUN(password_history);
	T_RUN(fallthrough);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	T_EQ_INT(system(cmd), 0);
	return t_done("test_pamd_stack");
}
