/* dlopen_check.c: loads the module as libpam does (RTLD_NOW: every symbol must
 * resolve) and checks the PAM entry points are there. */
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	static const char *const want[] = {"pam_sm_acct_mgmt", "pam_sm_chauthtok"};
	void *h;
	int bad = 0;

	if (argc != 2)
		return 2;
	h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "dlopen %s: %s\n", argv[1], dlerror());
		return 1;
	}
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		if (!dlsym(h, want[i])) {
			fprintf(stderr, "%s: %s missing\n", argv[1], want[i]);
			bad = 1;
		}
	}
	dlclose(h);
	return bad;
}
