/* check_trust.h: `breachguard check`'s look for ways around the module. */
#ifndef BG_CHECK_TRUST_H
#define BG_CHECK_TRUST_H

#define BG_SYSLOG_SOCKET "/dev/log"

/* Prints its findings; returns the number of errors (warnings not counted). */
unsigned bg_check_trust(void);

#endif
