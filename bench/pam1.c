/* pam1.c: one account check in a process of its own, as su, sudo or login make
 * it: exec, pam_start_confdir (loads the modules), pam_acct_mgmt, pam_end, exit.
 * bench/spawn runs it a few hundred times per stack, interleaved.
 * usage: pam1 CONFDIR SERVICE USER; exit status: the pam_acct_mgmt code. */
#include <stdio.h>
#include <stdlib.h>

#include <security/pam_appl.h>

static int conv(int n, const struct pam_message **msg, struct pam_response **resp, void *arg)
{
	struct pam_response *r = calloc((size_t)n, sizeof(*r));

	(void)msg, (void)arg;
	if (!r)
		return PAM_BUF_ERR;
	*resp = r;
	return PAM_SUCCESS;
}

int main(int argc, char **argv)
{
	const struct pam_conv c = {conv, NULL};
	pam_handle_t *h = NULL;
	int rc;

	if (argc != 4) {
		fprintf(stderr, "usage: pam1 CONFDIR SERVICE USER\n");
		return 255;
	}
	rc = pam_start_confdir(argv[2], argv[3], &c, argv[1], &h);
	if (rc != PAM_SUCCESS) {
		fprintf(stderr, "pam1: pam_start_confdir: %s\n", pam_strerror(NULL, rc));
		return 254;
	}
	rc = pam_acct_mgmt(h, 0);
	pam_end(h, rc);
	return rc;
}
