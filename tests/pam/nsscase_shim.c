/* nsscase_shim.c: a case-insensitive directory for the PAM-stack tests (as
 * SSSD with case_sensitive = false, or Active Directory through winbind).
 * Preloaded (-DBG_NSSCASE_SHIM_SO -shared) before nss_wrapper, it makes
 * getpwnam_r() and getpwnam() find an account by any case spelling of its
 * name, and answer with the entry as stored (its lower-case pw_name).  Built
 * as a program (the Makefile builds every C file here), it tests itself. */
#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>

static void lower(const char *in, char *out, size_t outlen)
{
	size_t i;

	for (i = 0; in[i] && i + 1 < outlen; i++)
		out[i] = (char)tolower((unsigned char)in[i]);
	out[i] = '\0';
}

int getpwnam_r(const char *name, struct passwd *pw, char *buf, size_t len, struct passwd **res)
{
	int (*real)(const char *, struct passwd *, char *, size_t, struct passwd **);
	char l[256];

	*(void **)&real = dlsym(RTLD_NEXT, "getpwnam_r");
	if (!real) {
		*res = NULL;
		return ENOSYS;
	}
	lower(name, l, sizeof(l));
	return real(l, pw, buf, len, res);
}

struct passwd *getpwnam(const char *name)
{
	struct passwd *(*real)(const char *);
	char l[256];

	*(void **)&real = dlsym(RTLD_NEXT, "getpwnam");
	if (!real)
		return NULL;
	lower(name, l, sizeof(l));
	return real(l);
}

#ifndef BG_NSSCASE_SHIM_SO
int main(void)
{
	char buf[4096];
	struct passwd pw, *res = NULL;
	int ok = getpwnam_r("ROOT", &pw, buf, sizeof(buf), &res) == 0 && res &&
		 strcmp(res->pw_name, "root") == 0;

	printf("nsscase_shim: %d passed, %d failed\n", ok, !ok);
	return ok ? 0 : 1;
}
#endif
