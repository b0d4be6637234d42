/* config.c: breachguard.conf and module arguments.  One setter for both, so a
 * key means the same thing wherever it is written: defaults, then the file, then
 * the module's own arguments. */
#include <errno.h>
#include <limits.h>
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

static int list_set(struct bg_list *l, const char *value)
{
	const char *p = value;
	int err;

	l->n = 0;
	l->used = 0;
	while (*p) {
		size_t len;

		while (*p == ',' || bg_ascii_isspace((unsigned char)*p))
			p++;
		len = strcspn(p, ", \t");
		if ((err = bg_list_add(l, p, len)) != 0)
			return err;
		p += len;
	}
	return 0;
}

void bg_config_defaults(struct bg_config *c)
{
	memset(c, 0, sizeof(*c));
	strcpy(c->store, BG_DEFAULT_STORE);
	strcpy(c->key_file, BG_DEFAULT_KEY);
	list_set(&c->exempt_users, "root");
	c->fold_case = true;
	strcpy(c->subaddress, "+");
	c->action = BG_ACT_FORCE_CHANGE;
	c->min_uid = 1000;
	c->locked_accounts = BG_LOCKED_SKIP;
	c->on_error = BG_ON_ERROR_OPEN;
	c->root_su = BG_ROOT_SU_SKIP;
}

const char *bg_action_name(enum bg_action a)
{
	switch (a) {
	case BG_ACT_FORCE_CHANGE:
		return "force-change";
	case BG_ACT_DENY:
		return "deny";
	case BG_ACT_WARN:
		return "warn";
	case BG_ACT_AUDIT:
		return "audit";
	}
	return "?";
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

static int parse_ulong(const char *v, unsigned long max, unsigned long *out)
{
	unsigned long n;
	char *end;

	/* strtoul accepts "-1" and wraps it: refuse any sign outright. */
	if (!bg_ascii_isdigit((unsigned char)v[0]))
		return -EINVAL;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno == ERANGE || n > max)
		return -ERANGE;
	if (*end != '\0')
		return -EINVAL;
	*out = n;
	return 0;
}

static int set_path(char *dst, const char *key, const char *v, bool may_be_empty, char *err,
		    size_t errlen)
{
	size_t len = strlen(v);

	if (len == 0 && may_be_empty) {
		dst[0] = '\0';
		return 0;
	}
	if (v[0] != '/') {
		snprintf(err, errlen, "%s: \"%s\" is not an absolute path", key, v);
		return -EINVAL;
	}
	if (len >= BG_PATH_MAX) {
		snprintf(err, errlen, "%s: path too long", key);
		return -ENAMETOOLONG;
	}
	memcpy(dst, v, len + 1);
	return 0;
}

int bg_config_set(struct bg_config *c, const char *key, const char *v, char *err, size_t errlen)
{
	unsigned long n;
	bool b;
	int rc = 0;

	if (strcmp(key, "store") == 0)
		return set_path(c->store, key, v, false, err, errlen);
	if (strcmp(key, "key_file") == 0)
		return set_path(c->key_file, key, v, false, err, errlen);
	if (strcmp(key, "aliases") == 0)
		return set_path(c->aliases, key, v, true, err, errlen);
	if (strcmp(key, "domains") == 0 || strcmp(key, "exempt_users") == 0 ||
	    strcmp(key, "exempt_groups") == 0) {
		struct bg_list *l = key[0] == 'd'		       ? &c->domains
				    : strcmp(key, "exempt_users") == 0 ? &c->exempt_users
								       : &c->exempt_groups;
		if ((rc = list_set(l, v)) != 0)
			snprintf(err, errlen, "%s: list too long (at most %d bytes)", key,
				 BG_LIST_MAX);
		return rc;
	}
	if (strcmp(key, "gecos_email") == 0 || strcmp(key, "fold_case") == 0 ||
	    strcmp(key, "audit") == 0 || strcmp(key, "debug") == 0) {
		if (parse_bool(v, &b) != 0) {
			snprintf(err, errlen, "%s: \"%s\" is not yes or no", key, v);
			return -EINVAL;
		}
		if (key[0] == 'g')
			c->gecos_email = b;
		else if (key[0] == 'f')
			c->fold_case = b;
		else if (key[0] == 'a')
			c->audit = b;
		else
			c->debug = b;
		return 0;
	}
	if (strcmp(key, "subaddress") == 0) {
		if (strcmp(v, "none") == 0 || v[0] == '\0') {
			c->subaddress[0] = '\0';
			return 0;
		}
		if (strlen(v) >= sizeof(c->subaddress) || strpbrk(v, "@ \t\"")) {
			snprintf(err, errlen,
				 "subaddress: \"%s\" must be up to %zu separator characters (not "
				 "@), or none",
				 v, sizeof(c->subaddress) - 1);
			return -EINVAL;
		}
		strcpy(c->subaddress, v);
		return 0;
	}
	if (strcmp(key, "action") == 0) {
		static const enum bg_action all[] = {BG_ACT_FORCE_CHANGE, BG_ACT_DENY, BG_ACT_WARN,
						     BG_ACT_AUDIT};
		for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
			if (strcmp(v, bg_action_name(all[i])) == 0) {
				c->action = all[i];
				return 0;
			}
		}
		snprintf(err, errlen, "action: \"%s\" is not force-change, deny, warn or audit", v);
		return -EINVAL;
	}
	if (strcmp(key, "grace_days") == 0) {
		if ((rc = parse_ulong(v, 3650, &n)) != 0) {
			snprintf(err, errlen, "grace_days: \"%s\" is not a number from 0 to 3650",
				 v);
			return rc;
		}
		c->grace_days = (unsigned)n;
		return 0;
	}
	if (strcmp(key, "min_uid") == 0) {
		if ((rc = parse_ulong(v, UINT_MAX - 1, &n)) != 0) {
			snprintf(err, errlen, "min_uid: \"%s\" is not a number from 0 to %u", v,
				 UINT_MAX - 1);
			return rc;
		}
		c->min_uid = n;
		return 0;
	}
	if (strcmp(key, "locked_accounts") == 0) {
		if (strcmp(v, "skip") == 0)
			c->locked_accounts = BG_LOCKED_SKIP;
		else if (strcmp(v, "deny") == 0)
			c->locked_accounts = BG_LOCKED_DENY;
		else {
			snprintf(err, errlen, "locked_accounts: \"%s\" is not skip or deny", v);
			return -EINVAL;
		}
		return 0;
	}
	if (strcmp(key, "on_error") == 0) {
		if (strcmp(v, "open") == 0)
			c->on_error = BG_ON_ERROR_OPEN;
		else if (strcmp(v, "closed") == 0)
			c->on_error = BG_ON_ERROR_CLOSED;
		else {
			snprintf(err, errlen, "on_error: \"%s\" is not open or closed", v);
			return -EINVAL;
		}
		return 0;
	}
	if (strcmp(key, "root_su") == 0) {
		if (strcmp(v, "skip") == 0)
			c->root_su = BG_ROOT_SU_SKIP;
		else if (strcmp(v, "enforce") == 0)
			c->root_su = BG_ROOT_SU_ENFORCE;
		else {
			snprintf(err, errlen, "root_su: \"%s\" is not skip or enforce", v);
			return -EINVAL;
		}
		return 0;
	}
	if (strcmp(key, "message") == 0) {
		if (strlen(v) >= sizeof(c->message)) {
			snprintf(err, errlen, "message: longer than %zu bytes",
				 sizeof(c->message) - 1);
			return -EINVAL;
		}
		strcpy(c->message, v);
		return 0;
	}
	if (strcmp(key, "trusted_keys") == 0) {
		if ((rc = list_set(&c->trusted_keys, v)) != 0) {
			snprintf(err, errlen, "trusted_keys: list too long (at most %d bytes)",
				 BG_LIST_MAX);
			return rc;
		}
		for (const char *p = bg_list_next(&c->trusted_keys, NULL); p;
		     p = bg_list_next(&c->trusted_keys, p)) {
			if (p[0] != '/' || strlen(p) >= BG_PATH_MAX) {
				snprintf(err, errlen,
					 "trusted_keys: \"%s\" is not an absolute path", p);
				c->trusted_keys.n = c->trusted_keys.used = 0;
				return -EINVAL;
			}
		}
		return 0;
	}
	{
		const char *near = bg_config_suggest(key);

		if (near)
			snprintf(err, errlen, "unknown option \"%s\" (did you mean %s?)", key,
				 near);
		else
			snprintf(err, errlen, "unknown option \"%s\"", key);
	}
	return -ENOENT;
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
	{
		char pwhy[BG_PATH_MAX + 64];

		if ((rc = bg_check_parents(path, pwhy, sizeof(pwhy))) != 0) {
			bg_log(log, LOG_ERR, "%s: %s; refusing to use it", path, pwhy);
			goto out;
		}
	}
	if (memchr(buf, '\0', len)) {
		bg_log(log, LOG_ERR, "%s: contains a NUL byte; not a configuration file", path);
		rc = -EINVAL;
		goto out;
	}
	for (line = buf; line && *line; line = next) {
		char *key, *val, *eq, errbuf[256];
		int r;

		lineno++;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
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
		size_t klen;
		int r;

		if (strcmp(argv[i], "debug") == 0) {
			c->debug = true;
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
