/* config.c: breachguard.conf and module arguments.  One option table (name,
 * type, field, range, words, default) behind one setter for both, so a key
 * means the same thing wherever it is written: defaults, then the file, then
 * the module's own arguments.  The table is const data: setting a key is a
 * scan of it and a parse, no allocation. */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ascii.h"
#include "config.h"
#include "safeopen.h"

#define BG_CONF_LINE_MAX 4096

bool bg_list_contains(const struct bg_list *l, const char *s)
{
	for (const char *p = bg_list_next(l, NULL); p; p = bg_list_next(l, p))
		if (strcmp(p, s) == 0)
			return true;
	return false;
}

const char *bg_list_next(const struct bg_list *l, const char *prev)
{
	const char *p;

	if (!prev)
		return l->n ? l->buf : NULL;
	p = prev + strlen(prev) + 1;
	return p < l->buf + l->used ? p : NULL;
}

int bg_list_add(struct bg_list *l, const char *s, size_t len)
{
	if (len == 0)
		return 0;
	if (l->used + len + 1 > sizeof(l->buf))
		return -ENOSPC;
	memcpy(l->buf + l->used, s, len);
	l->buf[l->used + len] = '\0';
	l->used += len + 1;
	l->n++;
	return 0;
}

/* The option table: one row a key, in the order breachguard.conf and
 * breachguard.conf(5) list them (test_config_docs holds both to it).  A word
 * option's field is an enum whose values are the indexes of its words. */
static const char *const action_words[] = {"force-change", "deny", "warn", "audit", NULL};
static const char *const locked_words[] = {"skip", "deny", NULL};
static const char *const on_error_words[] = {"open", "closed", NULL};
static const char *const root_su_words[] = {"skip", "enforce", NULL};

_Static_assert(BG_ACT_FORCE_CHANGE == 0 && BG_ACT_DENY == 1 && BG_ACT_WARN == 2 &&
		   BG_ACT_AUDIT == 3 && BG_LOCKED_DENY == 1 && BG_ON_ERROR_CLOSED == 1 &&
		   BG_ROOT_SU_ENFORCE == 1,
	       "a word option's enum values are the indexes of its words");
_Static_assert(sizeof(enum bg_action) == sizeof(unsigned) &&
		   sizeof(enum bg_locked) == sizeof(unsigned) &&
		   sizeof(enum bg_on_error) == sizeof(unsigned) &&
		   sizeof(enum bg_root_su) == sizeof(unsigned),
	       "a word option's field is stored as an unsigned");

#define FIELD(f) .offset = offsetof(struct bg_config, f), .size = sizeof(((struct bg_config *)0)->f)

static const struct bg_option options[] = {
    {.name = "store", .type = BG_OPT_PATH, FIELD(store), .def_text = BG_DEFAULT_STORE},
    {.name = "key_file", .type = BG_OPT_PATH, FIELD(key_file), .def_text = BG_DEFAULT_KEY},
    {.name = "domains", .type = BG_OPT_LIST, FIELD(domains)},
    {.name = "aliases", .type = BG_OPT_PATH, .flags = BG_OPT_EMPTY, FIELD(aliases)},
    {.name = "gecos_email", .type = BG_OPT_BOOL, FIELD(gecos_email)},
    {.name = "fold_case", .type = BG_OPT_BOOL, FIELD(fold_case), .def = 1},
    {.name = "subaddress", .type = BG_OPT_SEPS, FIELD(subaddress), .def_text = "+"},
    {.name = "action", .type = BG_OPT_WORD, FIELD(action), .words = action_words},
    {.name = "grace_days", .type = BG_OPT_NUM, FIELD(grace_days), .max = BG_GRACE_DAYS_MAX},
    {.name = "min_uid", .type = BG_OPT_NUM, FIELD(min_uid), .max = UINT_MAX - 1, .def = 1000},
    {.name = "exempt_users", .type = BG_OPT_LIST, FIELD(exempt_users), .def_text = "root"},
    {.name = "exempt_groups", .type = BG_OPT_LIST, FIELD(exempt_groups)},
    {.name = "locked_accounts", .type = BG_OPT_WORD, FIELD(locked_accounts), .words = locked_words},
    {.name = "on_error", .type = BG_OPT_WORD, FIELD(on_error), .words = on_error_words},
    {.name = "root_su", .type = BG_OPT_WORD, FIELD(root_su), .words = root_su_words},
    {.name = "message", .type = BG_OPT_TEXT, FIELD(message)},
    {.name = "audit", .type = BG_OPT_BOOL, FIELD(audit)},
    {.name = "debug", .type = BG_OPT_BOOL, .flags = BG_OPT_BARE, FIELD(debug)},
    {.name = "trusted_keys", .type = BG_OPT_PATHS, .flags = BG_OPT_TOOL, FIELD(trusted_keys)},
};

#define N_OPTIONS (sizeof(options) / sizeof(options[0]))

const struct bg_option *bg_option_at(size_t i)
{
	return i < N_OPTIONS ? &options[i] : NULL;
}

const struct bg_option *bg_option_find(const char *name)
{
	/* The first letter first: most rows are passed without a call. */
	for (size_t i = 0; i < N_OPTIONS; i++)
		if (options[i].name[0] == name[0] && strcmp(options[i].name, name) == 0)
			return &options[i];
	return NULL;
}

const char *bg_action_name(enum bg_action a)
{
	return (unsigned)a <= BG_ACT_AUDIT ? action_words[a] : "?";
}

/* The next entry of a list value: skips the separators before it and returns
 * its length, 0 at the end. */
static size_t list_entry(const char **p)
{
	const char *e;

	while (**p == ',' || bg_ascii_isspace((unsigned char)**p))
		(*p)++;
	for (e = *p; *e && *e != ',' && *e != ' ' && *e != '\t'; e++)
		;
	return (size_t)(e - *p);
}

static int check_path(const struct bg_option *o, const char *v, size_t len, size_t max, char *err,
		      size_t errlen)
{
	if (v[0] != '/') {
		snprintf(err, errlen, "%s: \"%.*s\" is not an absolute path", o->name, (int)len, v);
		return -EINVAL;
	}
	if (len >= max) {
		snprintf(err, errlen, "%s: path too long", o->name);
		return -ENAMETOOLONG;
	}
	return 0;
}

/* A domain of `domains`: labels of letters, digits and '-' (or UTF-8, an
 * IDN), none empty, none starting or ending with '-', two labels or more.
 * "@example.com", "a.com;b.com" or "example.com:" would make identities no
 * advisory holds: every account clear, and nothing said. */
static bool domain_ok(const char *d, size_t len)
{
	size_t labels = 0, lablen = 0;

	for (size_t i = 0; i <= len; i++) {
		unsigned char c = i < len ? (unsigned char)d[i] : '.';

		if (c == '.') {
			if (lablen == 0 || d[i - 1] == '-')
				return false;
			labels++;
			lablen = 0;
			continue;
		}
		if (!(c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || (c == '-' && lablen > 0)))
			return false;
		lablen++;
	}
	return labels >= 2;
}

/* Checks every entry first, so that a refused value leaves the list as it was. */
static int set_list(const struct bg_option *o, struct bg_list *l, const char *v, char *err,
		    size_t errlen)
{
	const char *p, *bad = NULL;
	size_t len, badlen = 0, need = 0;

	for (p = v; (len = list_entry(&p)) != 0; p += len) {
		need += len + 1;
		if (o->type == BG_OPT_PATHS && !bad && (p[0] != '/' || len >= BG_PATH_MAX)) {
			bad = p;
			badlen = len;
		}
		if (o->offset == offsetof(struct bg_config, domains) && !bad &&
		    !domain_ok(p, len)) {
			bad = p;
			badlen = len;
		}
	}
	if (need > sizeof(l->buf)) {
		snprintf(err, errlen, "%s: list too long (at most %zu bytes)", o->name,
			 sizeof(l->buf));
		return -ENOSPC;
	}
	if (bad && o->type == BG_OPT_PATHS)
		return check_path(o, bad, badlen, BG_PATH_MAX, err, errlen);
	if (bad) {
		snprintf(err, errlen,
			 "%s: \"%.*s\" is not a domain (labels of letters, digits and '-', two "
			 "or more: example.co.jp)",
			 o->name, (int)(badlen > 200 ? 200 : badlen), bad);
		return -EINVAL;
	}
	l->n = 0;
	l->used = 0;
	for (p = v; (len = list_entry(&p)) != 0; p += len)
		(void)bg_list_add(l, p, len);
	return 0;
}

static int parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (bg_ascii_strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (bg_ascii_strcasecmp(v, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_ulong(const char *v, unsigned long min, unsigned long max, unsigned long *out)
{
	unsigned long n;
	char *end;

	/* strtoul accepts "-1" and wraps it: refuse any sign outright. */
	if (!bg_ascii_isdigit((unsigned char)v[0]))
		return -EINVAL;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno == ERANGE || n < min || n > max)
		return -ERANGE;
	if (*end != '\0')
		return -EINVAL;
	*out = n;
	return 0;
}

/* A number or a word's index into its field, an unsigned or an unsigned long. */
static void put_number(void *dst, size_t size, unsigned long n)
{
	unsigned u = (unsigned)n;

	if (size == sizeof(n))
		memcpy(dst, &n, size);
	else if (size == sizeof(u))
		memcpy(dst, &u, size);
}

static void put_bool(void *dst, bool b)
{
	memcpy(dst, &b, sizeof(b));
}

/* "force-change, deny, warn or audit" after "KEY: "VALUE" is not ". */
static void words_error(const struct bg_option *o, const char *v, char *err, size_t errlen)
{
	int used = snprintf(err, errlen, "%s: \"%s\" is not ", o->name, v);

	for (size_t i = 0; o->words[i] && used >= 0 && (size_t)used < errlen; i++) {
		const char *sep = i == 0 ? "" : o->words[i + 1] ? ", " : " or ";
		int n = snprintf(err + used, errlen - (size_t)used, "%s%s", sep, o->words[i]);

		used = n < 0 ? n : used + n;
	}
}

static int option_set(struct bg_config *c, const struct bg_option *o, const char *v, char *err,
		      size_t errlen)
{
	char *dst = (char *)c + o->offset;
	size_t len = strlen(v);
	unsigned long n;
	bool b;
	int rc;

	switch (o->type) {
	case BG_OPT_BOOL:
		if (parse_bool(v, &b) != 0) {
			snprintf(err, errlen, "%s: \"%s\" is not yes or no", o->name, v);
			return -EINVAL;
		}
		put_bool(dst, b);
		return 0;
	case BG_OPT_NUM:
		if ((rc = parse_ulong(v, o->min, o->max, &n)) != 0) {
			snprintf(err, errlen, "%s: \"%s\" is not a number from %lu to %lu", o->name,
				 v, o->min, o->max);
			return rc;
		}
		put_number(dst, o->size, n);
		return 0;
	case BG_OPT_WORD:
		for (n = 0; o->words[n]; n++) {
			if (strcmp(v, o->words[n]) == 0) {
				put_number(dst, o->size, n);
				return 0;
			}
		}
		words_error(o, v, err, errlen);
		return -EINVAL;
	case BG_OPT_TEXT:
		if (len >= o->size) {
			snprintf(err, errlen, "%s: longer than %zu bytes", o->name, o->size - 1);
			return -EINVAL;
		}
		break;
	case BG_OPT_SEPS:
		if (strcmp(v, "none") == 0)
			len = 0;
		else if (len >= o->size || strpbrk(v, "@ \t\"")) {
			snprintf(err, errlen,
				 "%s: \"%s\" must be up to %zu separator characters (not @), or "
				 "none",
				 o->name, v, o->size - 1);
			return -EINVAL;
		}
		break;
	case BG_OPT_PATH:
		if ((len > 0 || !(o->flags & BG_OPT_EMPTY)) &&
		    (rc = check_path(o, v, len, o->size, err, errlen)) != 0)
			return rc;
		break;
	case BG_OPT_LIST:
	case BG_OPT_PATHS:
		return set_list(o, (struct bg_list *)(void *)dst, v, err, errlen);
	}
	memcpy(dst, v, len);
	dst[len] = '\0';
	return 0;
}

void bg_config_defaults(struct bg_config *c)
{
	/* Every field is a row (test_config checks that the rows tile the struct),
	 * so the rows set it all, without clearing its 12 KiB of buffers first.
	 * The defaults are valid values (test_config_docs sets each through
	 * bg_config_set): no checks here. */
	for (const struct bg_option *o = options; o < options + N_OPTIONS; o++) {
		char *dst = (char *)c + o->offset;
		struct bg_list *l = (struct bg_list *)(void *)dst;

		switch (o->type) {
		case BG_OPT_BOOL:
			put_bool(dst, o->def != 0);
			break;
		case BG_OPT_NUM:
		case BG_OPT_WORD:
			put_number(dst, o->size, o->def);
			break;
		case BG_OPT_LIST:
		case BG_OPT_PATHS:
			l->n = 0;
			l->used = 0;
			if (o->def_text)
				(void)set_list(o, l, o->def_text, NULL, 0);
			break;
		case BG_OPT_TEXT:
		case BG_OPT_SEPS:
		case BG_OPT_PATH:
			if (o->def_text)
				memcpy(dst, o->def_text, strlen(o->def_text) + 1);
			else
				dst[0] = '\0';
			break;
		}
	}
}

int bg_config_set(struct bg_config *c, const char *key, const char *v, char *err, size_t errlen)
{
	const struct bg_option *o = bg_option_find(key);
	const char *near;

	if (o)
		return option_set(c, o, v, err, errlen);
	near = bg_config_suggest(key);
	if (near)
		snprintf(err, errlen, "unknown option \"%s\" (did you mean %s?)", key, near);
	else
		snprintf(err, errlen, "unknown option \"%s\"", key);
	return -ENOENT;
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

	for (size_t i = 0; i < N_OPTIONS; i++) {
		size_t d = distance(key, options[i].name);

		if (d < bestd) {
			bestd = d;
			best = options[i].name;
		}
	}
	/* A suggestion only when it is plausibly the same word. */
	if (!best || bestd > (len < 6 ? 2 : len / 3 + 1))
		return NULL;
	return best;
}

static char *trim(char *s)
{
	char *e;

	while (bg_ascii_isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && bg_ascii_isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* The value of "key = value": a "quoted value" keeps '#' and spaces; otherwise a
 * '#' after white space starts a comment.  Returns NULL when a quote is left open
 * or text follows the closing quote. */
static char *parse_value(char *v)
{
	char *p;

	if (v[0] == '"') {
		p = strchr(v + 1, '"');
		if (!p)
			return NULL;
		*p++ = '\0';
		p = trim(p);
		if (*p != '\0' && *p != '#')
			return NULL;
		return v + 1;
	}
	for (p = v; *p; p++) {
		if (*p == '#' && (p == v || bg_ascii_isspace((unsigned char)p[-1]))) {
			*p = '\0';
			break;
		}
	}
	return trim(v);
}

int bg_config_load(struct bg_config *c, const char *path, bool missing_ok, bool strict,
		   const struct bg_logger *log, unsigned *unknown)
{
	char *buf = NULL, *line, *next;
	const char *why = NULL;
	size_t len;
	unsigned lineno = 0, bad = 0;
	int rc;

	rc = bg_read_small_file(path, 1, BG_CONF_MAX_SIZE, &buf, &len, &why);
	if (rc == -ENOENT && missing_ok)
		return 0;
	if (rc != 0) {
		bg_log(log, LOG_ERR, "%s: %s", path, why ? why : strerror(-rc));
		return rc;
	}
	if ((rc = bg_parents_ok("", path, log)) != 0)
		goto out;
	/* Line by line, by length: a line with a NUL byte is an error of its own
	 * and the others still count (on_error = closed among them: refusing
	 * the whole file made the module fall back to on_error = open). */
	for (line = buf; line && line < buf + len; line = next) {
		char *key, *val, *eq, errbuf[256];
		size_t n;
		int r;

		lineno++;
		next = memchr(line, '\n', (size_t)(buf + len - line));
		n = next ? (size_t)(next - line) : (size_t)(buf + len - line);
		if (next)
			*next++ = '\0';
		if (memchr(line, '\0', n)) {
			bg_log(log, LOG_ERR, "%s:%u: a NUL byte; the line is not read", path,
			       lineno);
			rc = rc ? rc : -EINVAL;
			continue;
		}
		if (strlen(line) > BG_CONF_LINE_MAX) {
			bg_log(log, LOG_ERR, "%s:%u: line too long", path, lineno);
			rc = rc ? rc : -EINVAL;
			continue;
		}
		key = trim(line);
		if (*key == '\0' || *key == '#')
			continue;
		eq = strchr(key, '=');
		if (!eq) {
			bg_log(log, LOG_ERR, "%s:%u: expected \"key = value\"", path, lineno);
			rc = rc ? rc : -EINVAL;
			continue;
		}
		*eq = '\0';
		key = trim(key);
		val = parse_value(trim(eq + 1));
		if (!val) {
			bg_log(log, LOG_ERR,
			       "%s:%u: unterminated quote, or text after the closing quote", path,
			       lineno);
			rc = rc ? rc : -EINVAL;
			continue;
		}
		r = bg_config_set(c, key, val, errbuf, sizeof(errbuf));
		if (r == -ENOENT) {
			(void)strict; /* unknown keys are errors everywhere now */
			bad++;
			bg_log(log, LOG_ERR, "%s:%u: %s", path, lineno, errbuf);
			rc = rc ? rc : -EINVAL;
			continue;
		}
		if (r != 0) {
			bg_log(log, LOG_ERR, "%s:%u: %s", path, lineno, errbuf);
			rc = rc ? rc : r;
		}
	}
out:
	if (unknown)
		*unknown += bad;
	free(buf);
	return rc;
}

int bg_config_from_args(struct bg_config *c, int argc, const char *const *argv,
			const struct bg_logger *log)
{
	const char *conf = BG_DEFAULT_CONF;
	bool explicit_conf = false;
	int rc;

	for (int i = 0; i < argc; i++) {
		if (strncmp(argv[i], "conf=", 5) == 0) {
			conf = argv[i] + 5;
			explicit_conf = true;
		}
	}
	/* Only the default file may be missing: a named one that is absent is an error.
	 * A relative one would be read from the caller's working directory. */
	if (conf[0] != '/') {
		bg_log(log, LOG_ERR, "module argument conf=%s: not an absolute path; refusing it",
		       conf);
		rc = -EINVAL;
	} else {
		rc = bg_config_load(c, conf, !explicit_conf, false, log, NULL);
	}
	for (int i = 0; i < argc; i++) {
		char key[64], errbuf[256];
		const char *eq = strchr(argv[i], '=');
		const struct bg_option *bare = eq ? NULL : bg_option_find(argv[i]);
		size_t klen;
		int r;

		if (bare && (bare->flags & BG_OPT_BARE)) {
			(void)option_set(c, bare, "yes", errbuf, sizeof(errbuf));
			continue;
		}
		if (strncmp(argv[i], "conf=", 5) == 0)
			continue;
		klen = eq ? (size_t)(eq - argv[i]) : strlen(argv[i]);
		if (!eq || klen >= sizeof(key)) {
			const char *near = bg_config_suggest(argv[i]);

			bg_log(log, LOG_ERR, "module argument \"%s\": expected key=value%s%s%s",
			       argv[i], near ? " (did you mean " : "", near ? near : "",
			       near ? "?)" : "");
			rc = rc ? rc : -EINVAL;
			continue;
		}
		memcpy(key, argv[i], klen);
		key[klen] = '\0';
		r = bg_config_set(c, key, eq + 1, errbuf, sizeof(errbuf));
		if (r != 0) {
			bg_log(log, LOG_ERR, "module argument: %s", errbuf);
			rc = rc ? rc : r;
		}
	}
	return rc;
}
