/* outcome.c: the outcome table (outcome.h) and its template expander. */
#include <stdio.h>
#include <syslog.h>

#include "outcome.h"

#define ANY BG_OUT_ANY
#define NOT_AUDIT BG_OUT_NOT_AUDIT
#define LOCKED_ANY BG_OUT_LOCKED_ANY
#define AUDIT_LINE "audit: user=%u verdict=%v advisory %a (no action taken)"

/* One row for each verdict x action x locked_accounts (test_outcome proves it);
 * the man page's "Outcomes" table lists the same rows in the same order. */
const struct bg_outcome bg_outcomes[] = {
    {.verdict = BG_V_NOT_OURS, .actions = ANY, .locked = LOCKED_ANY, .result = BG_PAM_IGNORE},
    {.verdict = BG_V_EXEMPT, .actions = ANY, .locked = LOCKED_ANY, .result = BG_PAM_SUCCESS},
    {.verdict = BG_V_CLEAR, .actions = ANY, .locked = LOCKED_ANY, .result = BG_PAM_SUCCESS},
    {.verdict = BG_V_ROTATED, .actions = ANY, .locked = LOCKED_ANY, .result = BG_PAM_SUCCESS},
    /* Report-only: every verdict that would act is only logged. */
    {.verdict = BG_V_NO_PASSWORD,
     .actions = BG_OUT_ACT(BG_ACT_AUDIT),
     .locked = LOCKED_ANY,
     .result = BG_PAM_IGNORE,
     .level = LOG_NOTICE,
     .log = AUDIT_LINE},
    {.verdict = BG_V_CHANGE_BLOCKED,
     .actions = BG_OUT_ACT(BG_ACT_AUDIT),
     .locked = LOCKED_ANY,
     .result = BG_PAM_IGNORE,
     .level = LOG_NOTICE,
     .log = AUDIT_LINE},
    {.verdict = BG_V_GRACE,
     .actions = BG_OUT_ACT(BG_ACT_AUDIT),
     .locked = LOCKED_ANY,
     .result = BG_PAM_IGNORE,
     .level = LOG_NOTICE,
     .log = AUDIT_LINE},
    {.verdict = BG_V_ENFORCE,
     .actions = BG_OUT_ACT(BG_ACT_AUDIT),
     .locked = LOCKED_ANY,
     .result = BG_PAM_IGNORE,
     .level = LOG_NOTICE,
     .log = AUDIT_LINE},
    /* Forcing a change where no password is usable would lock the user out. */
    {.verdict = BG_V_NO_PASSWORD,
     .actions = NOT_AUDIT,
     .locked = BG_LOCKED_DENY,
     .result = BG_PAM_PERM_DENIED,
     .level = LOG_NOTICE,
     .log = "denying user=%u: no usable password, advisory %a",
     .user = "Access denied: this account appears in the security advisory %a.",
     .user_error = true},
    {.verdict = BG_V_NO_PASSWORD,
     .actions = NOT_AUDIT,
     .locked = BG_LOCKED_SKIP,
     .result = BG_PAM_SUCCESS,
     .level = LOG_NOTICE,
     .log = "not forcing user=%u: no usable password to change (advisory %a)"},
    {.verdict = BG_V_CHANGE_BLOCKED,
     .actions = NOT_AUDIT,
     .locked = LOCKED_ANY,
     .result = BG_PAM_SUCCESS,
     .level = LOG_WARNING,
     .log = "not forcing user=%u yet: minimum password age reached on %d (advisory %a)",
     .user = "This account appears in the security advisory %a; your password can be changed "
	     "from %d on; please change it then."},
    {.verdict = BG_V_GRACE,
     .actions = NOT_AUDIT,
     .locked = LOCKED_ANY,
     .result = BG_PAM_SUCCESS,
     .level = LOG_NOTICE,
     .log = "warned user=%u: in grace period, advisory %a",
     .user = "Your password must be changed within %n day(s): this account appears in the "
	     "security advisory %a."},
    /* The service's action decides (design.md step 8). */
    {.verdict = BG_V_ENFORCE,
     .actions = BG_OUT_ACT(BG_ACT_FORCE_CHANGE),
     .locked = LOCKED_ANY,
     .result = BG_PAM_NEW_AUTHTOK_REQD,
     .level = LOG_NOTICE,
     .log = "forcing a password change for user=%u: advisory %a",
     .user = "Your password must be changed now: this account appears in the security "
	     "advisory %a.",
     .custom = true},
    {.verdict = BG_V_ENFORCE,
     .actions = BG_OUT_ACT(BG_ACT_DENY),
     .locked = LOCKED_ANY,
     .result = BG_PAM_PERM_DENIED,
     .level = LOG_NOTICE,
     .log = "denying user=%u: password change pending, advisory %a",
     .user = "Access denied: this account must change its password first (security "
	     "advisory %a).",
     .user_error = true,
     .custom = true},
    {.verdict = BG_V_ENFORCE,
     .actions = BG_OUT_ACT(BG_ACT_WARN),
     .locked = LOCKED_ANY,
     .result = BG_PAM_SUCCESS,
     .level = LOG_NOTICE,
     .log = "warned user=%u: password change pending, advisory %a",
     .user = "Warning: this account appears in the security advisory %a; please change your "
	     "password.",
     .custom = true},
};

const size_t bg_n_outcomes = sizeof(bg_outcomes) / sizeof(bg_outcomes[0]);

const struct bg_outcome *bg_outcome_for(enum bg_verdict v, enum bg_action a, enum bg_locked l)
{
	for (size_t i = 0; i < bg_n_outcomes; i++) {
		const struct bg_outcome *o = &bg_outcomes[i];

		if (o->verdict == v && (o->actions & BG_OUT_ACT(a)) &&
		    (o->locked == BG_OUT_LOCKED_ANY || o->locked == (int)l))
			return o;
	}
	return NULL;
}

const char *bg_pam_result_name(enum bg_pam_result r)
{
	switch (r) {
	case BG_PAM_IGNORE:
		return "PAM_IGNORE";
	case BG_PAM_SUCCESS:
		return "PAM_SUCCESS";
	case BG_PAM_NEW_AUTHTOK_REQD:
		return "PAM_NEW_AUTHTOK_REQD";
	case BG_PAM_PERM_DENIED:
		return "PAM_PERM_DENIED";
	}
	return "?";
}

static const char *arg_of(const struct bg_outcome_args *a, char letter)
{
	switch (letter) {
	case 'u':
		return a->user;
	case 'v':
		return a->verdict;
	case 'a':
		return a->label;
	case 'd':
		return a->day;
	case 'n':
		return a->days;
	case '%':
		return "%";
	default:
		return NULL;
	}
}

void bg_outcome_expand(const char *tmpl, const struct bg_outcome_args *a, char *out, size_t len)
{
	size_t o = 0;

	for (const char *p = tmpl; *p && o + 1 < len; p++) {
		const char *ins = p[0] == '%' && p[1] ? arg_of(a, p[1]) : NULL;

		if (ins) {
			int n = snprintf(out + o, len - o, "%s", ins);

			o = n < 0 ? o : (size_t)n >= len - o ? len - 1 : o + (size_t)n;
			p++;
		} else {
			out[o++] = *p;
		}
	}
	out[o] = '\0';
}
