/* verdict.h: the one decision function, for the module and the tool alike. */
#ifndef BG_VERDICT_H
#define BG_VERDICT_H

#include <pwd.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "digest.h"
#include "log.h"
#include "session.h"
#include "store.h"

enum bg_verdict {
	BG_V_NOT_OURS, /* unknown to NSS */
	BG_V_EXEMPT,
	BG_V_CLEAR,
	BG_V_ROTATED,
	BG_V_NO_PASSWORD,
	BG_V_CHANGE_BLOCKED,
	BG_V_GRACE,
	BG_V_ENFORCE,
};

/* What a shadow source tells about an account.  found == false: no readable
 * entry (a directory user).  hash is wiped by the verdict after use. */
struct bg_shadow {
	bool found;
	long lastchg; /* days since the epoch; -1 unset, 0 "must change" */
	long min;     /* minimum age in days; -1 unset */
	char hash[256];
};

/* The real shadow source (bg_shadow_fn, session.h): getspnam_r. */
int bg_shadow_system(void *arg, const char *user, struct bg_shadow *out);

#define BG_MAX_LISTED 8

struct bg_result {
	/* The account's name as NSS gave it (pw_name): its rotation record's key.
	 * A case-insensitive directory answers "RTPAM_D" with "rtpam_d"; the
	 * record is read and written under this one name. */
	char user[256];
	enum bg_verdict verdict;
	enum bg_action action;
	size_t n_adv; /* advisories behind it (listed: at most BG_MAX_LISTED) */
	struct bg_advisory adv[BG_MAX_LISTED];
	int64_t exposure; /* T */
	int64_t grace_until;
	int64_t blocked_until;	     /* change-blocked: when the minimum age is reached */
	struct bg_rotation rotation; /* as stored (rotated_at 0 when none) */
	/* The advisories behind the verdict, the newest BG_ROT_MATCHED of them:
	 * what the enforcement record keeps (issue 10 item 4). */
	size_t n_cur;
	uint32_t cur[BG_ROT_MATCHED];
	int64_t cur_t[BG_ROT_MATCHED];
	const char *why; /* evidence behind rotated/exempt, static text */
	bool shadow_found;
	bool shadow_empty; /* an empty hash ("passwd -d"): never a rotation */
	/* The password hash still matches the fingerprint taken when enforcement
	 * began for this exposure: no change has happened since. */
	bool fp_unchanged;
	/* Set when enforcement begins and the fingerprint is to be recorded: the
	 * record bg_record_enforcement() writes (the module; status never does). */
	bool record_fp;
	struct bg_rotation fp_record;
};

/* The verdict for user.  Returns 0 with *r filled, or a negative errno when the
 * key or store cannot be used (the caller applies on_error). */
int bg_verdict(struct bg_ctx *ctx, const char *user, struct bg_result *r);
/* The same decision for an account already looked up (scan's getpwent entry):
 * steps 2 to 8. */
int bg_verdict_pw(struct bg_ctx *ctx, const struct passwd *pw, struct bg_result *r);

const char *bg_verdict_name(enum bg_verdict v);

#endif
