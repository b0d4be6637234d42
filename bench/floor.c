/* floor.c: pam_bgfloor.so, the floor of the design's account check (bench only,
 * never installed).
 *
 * What every module that follows design.md's verdict must do, whatever its
 * store, with nothing of its own read: the user's passwd entry (step 1: known
 * to NSS at all; its uid and GECOS decide steps 2 and 3) and, for a listed
 * user, the shadow entry (step 4: the rotation evidence), then the forced
 * outcome: a LOG_NOTICE line (the audit trail of a forced login, as pam_unix
 * writes for an expired password) and the message, and PAM_NEW_AUTHTOK_REQD.
 * It reads no configuration, no key and no store, computes no digest, and is
 * linked -z nodelete as the module is.  "Listed" is the argument force=USER.
 *
 * The bench runs it as one more stack (unixfloor): the part of the matched
 * figure no implementation of the design can shed. */
#include <pwd.h>
#include <shadow.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#define BUF 16384

int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv);

int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	const char *user = NULL, *force = "";
	struct passwd pw, *pwr = NULL;
	struct spwd sp, *spr = NULL;
	char *buf;
	int rc = PAM_SUCCESS;

	(void)flags;
	for (int i = 0; i < argc; i++)
		if (strncmp(argv[i], "force=", 6) == 0)
			force = argv[i] + 6;
	if (pam_get_user(pamh, &user, NULL) != PAM_SUCCESS || !user)
		return PAM_USER_UNKNOWN;
	if (!(buf = malloc(BUF)))
		return PAM_BUF_ERR;
	if (getpwnam_r(user, &pw, buf, BUF, &pwr) != 0 || !pwr) {
		rc = PAM_IGNORE;
	} else if (strcmp(user, force) == 0) {
		if (getspnam_r(user, &sp, buf, BUF, &spr) == 0 && spr)
			explicit_bzero(buf, BUF);
		pam_syslog(pamh, LOG_NOTICE, "forcing a password change for user=%s: advisory %s",
			   user, "bench-users");
		pam_error(pamh,
			  "Your password must be changed now: this account appears in the "
			  "security advisory %s.",
			  "bench-users");
		rc = PAM_NEW_AUTHTOK_REQD;
	}
	free(buf);
	return rc;
}
