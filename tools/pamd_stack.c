/* pamd_stack.c: a service's stack of one type as libpam runs it (includes
 * inlined, substacks as one step), and what can keep a line of ours from
 * deciding: a line before it whose control ends the stack on some result
 * (`sufficient`, `done`: Debian's pam_unix has new_authtok_reqd=done) or jumps
 * over it, or a control of our own line that lets its denial be ignored. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ascii.h"
#include "pamd_stack.h"

#define STACK_MAX 256

struct entry {
	char file[128];
	unsigned lineno;
	char control[256];
	char module[256];
	int argc;
	char *argv[BG_PAMD_MAX_ARGS];
	char *line; /* owns argv's strings */
};

struct stack {
	struct entry e[STACK_MAX];
	size_t n;
};

struct loading {
	const char *dir, *service, *type;
	unsigned depth;
	struct stack *st;
};

static int load(const char *dir, const char *service, const char *type, unsigned depth,
		struct stack *st);

static int load_line(char *text, unsigned lineno, void *arg)
{
	const struct loading *ld = arg;
	struct stack *st = ld->st;
	char copy[2048], *w[4 + BG_PAMD_MAX_ARGS], *t;
	struct entry *e;
	int n;

	snprintf(copy, sizeof(copy), "%s", text);
	n = bg_pamd_split(copy, w, (int)(sizeof(w) / sizeof(w[0])));
	if (n >= 2 && strcmp(w[0], "@include") == 0) {
		load(ld->dir, w[1], ld->type, ld->depth + 1, st);
		return 0;
	}
	if (n < 3)
		return 0;
	t = w[0][0] == '-' ? w[0] + 1 : w[0];
	if (bg_ascii_strcasecmp(t, ld->type) != 0)
		return 0;
	if (strcmp(w[1], "include") == 0) {
		load(ld->dir, w[2], ld->type, ld->depth + 1, st);
		return 0;
	}
	if (st->n == STACK_MAX)
		return 1;
	e = &st->e[st->n];
	memset(e, 0, sizeof(*e));
	snprintf(e->file, sizeof(e->file), "%s", ld->service);
	e->lineno = lineno;
	/* A substack is one step here: its own done and jumps stay inside it. */
	snprintf(e->control, sizeof(e->control), "%s",
		 strcmp(w[1], "substack") == 0 ? "required" : w[1]);
	snprintf(e->module, sizeof(e->module), "%s", w[2]);
	e->line = malloc(sizeof(copy));
	if (!e->line)
		return 1;
	memcpy(e->line, copy, sizeof(copy));
	for (int i = 3; i < n && e->argc < BG_PAMD_MAX_ARGS; i++)
		e->argv[e->argc++] = e->line + (w[i] - copy);
	st->n++;
	return 0;
}

static int load(const char *dir, const char *service, const char *type, unsigned depth,
		struct stack *st)
{
	struct loading ld = {dir, service, type, depth, st};

	return bg_pamd_read(dir, service, depth, load_line, &ld);
}

static void stack_free(struct stack *st)
{
	for (size_t i = 0; st && i < st->n; i++)
		free(st->e[i].line);
	free(st);
}

/* dir/service's `type` stack, includes inlined, in *out (stack_free it);
 * 0 or a negative errno (nothing to free). */
static int stack_load(const char *dir, const char *service, const char *type, struct stack **out)
{
	struct stack *st = calloc(1, sizeof(*st));
	int rc;

	*out = NULL;
	if (!st)
		return -ENOMEM;
	if ((rc = load(dir, service, type, 0, st)) != 0) {
		stack_free(st);
		return rc;
	}
	*out = st;
	return 0;
}

/* The action libpam takes for return value `val` under `control`: "done",
 * "die", "ok", "ignore", "bad", "reset" or a jump count ("1", "2", ...). */
static void action_for(const char *control, const char *val, char *out, size_t outlen)
{
	const char *p;
	char def[32] = "bad";

	if (strcmp(control, "required") == 0 || strcmp(control, "optional") == 0) {
		snprintf(out, outlen, "%s",
			 strcmp(val, "success") == 0 ? "ok"
			 : control[1] == 'e'	     ? "bad"
						     : "ignore");
		return;
	}
	if (strcmp(control, "requisite") == 0) {
		snprintf(out, outlen, "%s", strcmp(val, "success") == 0 ? "ok" : "die");
		return;
	}
	if (strcmp(control, "sufficient") == 0) {
		snprintf(out, outlen, "%s",
			 strcmp(val, "success") == 0 || strcmp(val, "new_authtok_reqd") == 0
			     ? "done"
			     : "ignore");
		return;
	}
	if (control[0] != '[') {
		snprintf(out, outlen, "bad");
		return;
	}
	for (p = control + 1; *p && *p != ']';) {
		char k[64], v[32];
		size_t kl = strcspn(p, "= \t]"), vl;

		if (kl == 0 || kl >= sizeof(k)) {
			p += kl ? kl : 1;
			continue;
		}
		memcpy(k, p, kl);
		k[kl] = '\0';
		p += kl;
		if (*p != '=')
			continue;
		p++;
		vl = strcspn(p, " \t]");
		snprintf(v, sizeof(v), "%.*s", (int)(vl < sizeof(v) ? vl : sizeof(v) - 1), p);
		p += vl;
		while (bg_ascii_isspace((unsigned char)*p))
			p++;
		if (strcmp(k, val) == 0) {
			snprintf(out, outlen, "%s", v);
			return;
		}
		if (strcmp(k, "default") == 0)
			snprintf(def, sizeof(def), "%s", v);
	}
	snprintf(out, outlen, "%s", def);
}

/* Return values a module may give that matter here. */
static const char *const values[] = {"success",	     "new_authtok_reqd", "ignore",
				     "user_unknown", "perm_denied",	 "auth_err",
				     "acct_expired", "system_err"};

int bg_pamd_skippable(const char *dir, const char *service, const char *type,
		      bool (*is_gating)(int argc, const char *const *argv, void *arg),
		      void (*report)(const struct bg_pamd_skip *s, void *arg), void *arg)
{
	struct stack *st;
	int rc, found = 0;

	if ((rc = stack_load(dir, service, type, &st)) != 0)
		return rc;
	for (size_t k = 0; k < st->n; k++) {
		struct entry *ours = &st->e[k];
		struct bg_pamd_skip s;
		char act[32];

		if (strcmp(bg_pamd_base(ours->module), "pam_breachguard.so") != 0 ||
		    !is_gating(ours->argc, (const char *const *)ours->argv, arg))
			continue;
		memset(&s, 0, sizeof(s));
		s.service = service;
		s.file = ours->file;
		s.lineno = ours->lineno;
		/* Our own control: a denial that does not fail the stack. */
		action_for(ours->control, "perm_denied", act, sizeof(act));
		if (strcmp(act, "bad") != 0 && strcmp(act, "die") != 0) {
			snprintf(s.why, sizeof(s.why),
				 "its control \"%s\" does not fail the stack on a denial (use "
				 "requisite)",
				 ours->control);
			report(&s, arg);
			found++;
			continue;
		}
		for (size_t i = 0; i < k && !s.why[0]; i++) {
			struct entry *e = &st->e[i];

			for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++) {
				char *end;
				unsigned long jump;

				action_for(e->control, values[v], act, sizeof(act));
				jump = strtoul(act, &end, 10);
				if (strcmp(act, "done") == 0)
					snprintf(s.why, sizeof(s.why),
						 "%s line %u (%s %s) ends the stack first when it "
						 "returns %s",
						 e->file, e->lineno, e->control,
						 bg_pamd_base(e->module), values[v]);
				else if (bg_ascii_isdigit((unsigned char)act[0]) && !*end &&
					 i + jump >= k)
					snprintf(
					    s.why, sizeof(s.why),
					    "%s line %u (%s %s) jumps over it when it returns %s",
					    e->file, e->lineno, e->control, bg_pamd_base(e->module),
					    values[v]);
				if (s.why[0])
					break;
			}
		}
		if (s.why[0]) {
			report(&s, arg);
			found++;
		}
	}
	stack_free(st);
	return found;
}

int bg_pamd_has_module(const char *dir, const char *service, const char *type, const char *module,
		       const char *before)
{
	struct stack *st;
	int rc, pos = -1;

	if ((rc = stack_load(dir, service, type, &st)) != 0)
		return rc;
	for (size_t i = 0; i < st->n; i++) {
		const char *b = bg_pamd_base(st->e[i].module);

		if (before && strcmp(b, before) == 0)
			break;
		if (strcmp(b, module) == 0) {
			pos = (int)i;
			break;
		}
	}
	stack_free(st);
	return pos >= 0;
}

int bg_pamd_fallthrough(const char *dir, const char *service,
			void (*report)(const struct bg_pamd_skip *s, void *arg), void *arg)
{
	struct stack *st;
	int rc, found = 0;

	if ((rc = stack_load(dir, service, "password", &st)) != 0)
		return rc;
	for (size_t k = 0; k < st->n; k++) {
		struct bg_pamd_skip s;
		const char *culprit = NULL;
		unsigned culprit_line = 0;
		const char *culprit_file = NULL;

		if (strcmp(bg_pamd_base(st->e[k].module), "pam_breachguard.so") != 0)
			continue;
		for (size_t i = 0; i < k; i++) {
			const struct entry *e = &st->e[i];
			const char *b = bg_pamd_base(e->module);
			char act[32];

			action_for(e->control, "authtok_err", act, sizeof(act));
			if (strcmp(b, "pam_deny.so") == 0 && strcmp(act, "die") == 0) {
				culprit = NULL; /* a failure before it ends here */
				continue;
			}
			if (strcmp(b, "pam_permit.so") == 0 || strcmp(b, "pam_breachguard.so") == 0)
				continue;
			if (strcmp(act, "bad") == 0 || strcmp(act, "ok") == 0 ||
			    strcmp(act, "ignore") == 0) {
				culprit = e->module;
				culprit_line = e->lineno;
				culprit_file = e->file;
			}
		}
		if (!culprit)
			continue;
		memset(&s, 0, sizeof(s));
		s.service = service;
		s.file = st->e[k].file;
		s.lineno = st->e[k].lineno;
		snprintf(s.why, sizeof(s.why),
			 "a failure of %s (%s line %u) goes on to it: a directory user's failed "
			 "change would be recorded as a rotation",
			 bg_pamd_base(culprit), culprit_file, culprit_line);
		report(&s, arg);
		found++;
	}
	stack_free(st);
	return found;
}
