/* outcome.h: what the account phase does with a verdict, as one table:
 * verdict x action (x locked_accounts) -> PAM result, syslog line, user's
 * message (design.md "The verdict", step 8).  The man page's "Outcomes" table
 * is the same table; tests/unit/test_outcome.c checks that they agree row for
 * row and that every verdict x action x locked_accounts has exactly one row. */
#ifndef BG_OUTCOME_H
#define BG_OUTCOME_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "verdict.h"

/* The PAM result by name: PAM codes themselves appear only in pam_breachguard.c. */
enum bg_pam_result {
	BG_PAM_IGNORE,
	BG_PAM_SUCCESS,
	BG_PAM_NEW_AUTHTOK_REQD,
	BG_PAM_PERM_DENIED,
};

/* Sets of actions. */
#define BG_OUT_ACT(a) (1u << (a))
#define BG_OUT_ANY                                                                                 \
	(BG_OUT_ACT(BG_ACT_FORCE_CHANGE) | BG_OUT_ACT(BG_ACT_DENY) | BG_OUT_ACT(BG_ACT_WARN) |     \
	 BG_OUT_ACT(BG_ACT_AUDIT))
#define BG_OUT_NOT_AUDIT (BG_OUT_ANY & ~BG_OUT_ACT(BG_ACT_AUDIT))
#define BG_OUT_LOCKED_ANY (-1)

/* Templates: %u the user, %v the verdict, %a the advisories ("NAME" (DATE),
 * and N more), %d the day a change becomes possible, %n the days of grace
 * left, %% a percent sign.  Expanded by bg_outcome_expand, then escaped. */
struct bg_outcome {
	enum bg_verdict verdict;
	unsigned actions; /* BG_OUT_ACT() bits */
	int locked;	  /* the locked_accounts it needs (enum bg_locked), BG_OUT_LOCKED_ANY */
	enum bg_pam_result result;
	int level;	  /* syslog priority of the line (none when log is NULL) */
	const char *log;  /* the syslog line, NULL none */
	const char *user; /* the user's message, NULL none */
	bool user_error;  /* shown as an error (PAM_ERROR_MSG), else as PAM_TEXT_INFO */
	bool custom;	  /* the config's message replaces user */
};

extern const struct bg_outcome bg_outcomes[];
extern const size_t bg_n_outcomes;

/* The row for a verdict; NULL only for values outside the enums. */
const struct bg_outcome *bg_outcome_for(enum bg_verdict v, enum bg_action a, enum bg_locked l);
/* "PAM_SUCCESS" ... */
const char *bg_pam_result_name(enum bg_pam_result r);

/* The values of a template's letters; a letter whose value is NULL stays as
 * written (the admin's message knows %u and %a only). */
struct bg_outcome_args {
	const char *user, *verdict, *label, *day, *days;
};
/* Expands tmpl into out (truncated to len - 1 bytes, always terminated). */
void bg_outcome_expand(const char *tmpl, const struct bg_outcome_args *a, char *out, size_t len);

#endif
