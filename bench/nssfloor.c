/* nssfloor.c: the NSS work a scan cannot avoid, as a reference for its time:
 * enumerate every account (getpwent) and look each one up by name again
 * (getpwnam_r), as the verdict does.  Under nss_wrapper both are linear scans of
 * its passwd file, so this floor grows with the square of the account count.
 * usage: nssfloor   prints "ACCOUNTS" */
#include <pwd.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
	char name[256], buf[4096];
	struct passwd pw, *res;
	struct passwd *e;
	unsigned long n = 0, found = 0;

	setpwent();
	while ((e = getpwent()) != NULL) {
		snprintf(name, sizeof(name), "%s", e->pw_name);
		if (getpwnam_r(name, &pw, buf, sizeof(buf), &res) == 0 && res)
			found++;
		n++;
	}
	endpwent();
	printf("%lu %lu\n", n, found);
	return 0;
}
