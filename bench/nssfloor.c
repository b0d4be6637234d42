/* nssfloor.c: the NSS work a scan cannot avoid, as a reference for its time:
 * enumerate every account (getpwent).  The scan hands each entry to the
 * verdict as it comes (bg_verdict_pw), without a second lookup by name, and
 * reads the shadow entry of listed accounts only.
 * usage: nssfloor   prints "ACCOUNTS" */
#include <pwd.h>
#include <stdio.h>

int main(void)
{
	unsigned long n = 0;

	setpwent();
	while (getpwent() != NULL)
		n++;
	endpwent();
	printf("%lu\n", n);
	return 0;
}
