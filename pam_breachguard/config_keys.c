/* config_keys.c: the names bg_config_set() knows, and the nearest one to a
 * misspelled key, so that "domain = ..." is refused with "did you mean
 * domains?" instead of silently matching nothing.  Keep the list in step with
 * bg_config_set() (test_trust_config checks every name is accepted). */
#include <stddef.h>
#include <string.h>

#include "config.h"

static const char *const known[] = {
    "store",	    "key_file",	     "domains",		"aliases",	"gecos_email",
    "fold_case",    "subaddress",    "action",		"grace_days",	"min_uid",
    "exempt_users", "exempt_groups", "locked_accounts", "on_error",	"message",
    "audit",	    "debug",	     "root_su",		"trusted_keys",
};

const char *bg_config_key_at(size_t i)
{
	return i < sizeof(known) / sizeof(known[0]) ? known[i] : NULL;
}

/* Levenshtein distance, with ASCII case ignored (keys are lower case). */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[64];

	if (la >= 63 || lb >= 63)
		return (size_t)-1;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		char ca = a[i - 1] >= 'A' && a[i - 1] <= 'Z' ? (char)(a[i - 1] + 32) : a[i - 1];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j], best = diag + (ca != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

const char *bg_config_suggest(const char *key)
{
	const char *best = NULL;
	size_t bestd = (size_t)-1, len = strlen(key);

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		size_t d = distance(key, known[i]);

		if (d < bestd) {
			bestd = d;
			best = known[i];
		}
	}
	/* A suggestion only when it is plausibly the same word. */
	if (!best || bestd > (len < 6 ? 2 : len / 3 + 1))
		return NULL;
	return best;
}
