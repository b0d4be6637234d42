/* nounicode_shim.c: a failure injected for the PAM-stack tests (issue 10 item
 * 7).  Preloaded (-DBG_NOUNICODE_SHIM_SO -shared), it makes dlopen() of
 * libidn2 and libunistring fail, as on a host where they are not installed;
 * every other dlopen (pam_wrapper loading modules) goes through.  Built as a
 * program (the Makefile builds every C file here), it tests itself. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

void *dlopen(const char *file, int mode)
{
	void *(*real)(const char *, int);

	if (file && (strstr(file, "libidn2") || strstr(file, "libunistring")))
		return NULL;
	*(void **)&real = dlsym(RTLD_NEXT, "dlopen");
	return real ? real(file, mode) : NULL;
}

#ifndef BG_NOUNICODE_SHIM_SO
int main(void)
{
	void *idn = dlopen("libidn2.so.0", RTLD_NOW), *m = dlopen("libm.so.6", RTLD_NOW);
	int ok = idn == NULL && m != NULL;

	if (m)
		dlclose(m);
	printf("nounicode_shim: %d passed, %d failed\n", ok, !ok);
	return ok ? 0 : 1;
}
#endif
