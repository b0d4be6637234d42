/* pamd.c: just enough of libpam's pam.d syntax to find our module's lines and
 * their arguments ([bracketed values] included). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ascii.h"
#include "pamd.h"
#include "safeopen.h"

int bg_pamd_split(char *s, char **words, int max)
{
	int n = 0;

	while (*s && n < max) {
		while (bg_ascii_isspace((unsigned char)*s))
			s++;
		if (!*s || *s == '#')
			break;
		if (*s == '[') {
			char *end = strchr(s, ']');

			words[n++] = s;
			if (!end)
				break;
			s = end + 1;
			if (*s)
				*s++ = '\0';
			continue;
		}
		words[n++] = s;
		while (*s && !bg_ascii_isspace((unsigned char)*s))
			s++;
		if (*s)
			*s++ = '\0';
	}
	return n;
}

/* An argument "[key=a b]" means "key=a b" to libpam. */
static const char *unbracket(char *w)
{
	size_t len = strlen(w);

	if (w[0] == '[' && len >= 2 && w[len - 1] == ']') {
		w[len - 1] = '\0';
		return w + 1;
	}
	return w;
}

const char *bg_pamd_base(const char *module)
{
	const char *b = strrchr(module, '/');

	return b ? b + 1 : module;
}

int bg_pamd_read(const char *dir, const char *service, unsigned depth,
		 int (*line)(char *text, unsigned lineno, void *arg), void *arg)
{
	char path[BG_PATH_MAX], *buf = NULL, *text, *next;
	const char *why = NULL;
	size_t len;
	unsigned lineno = 0;
	int rc;

	if (strchr(service, '/') || depth > BG_PAMD_MAX_DEPTH)
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/%s", dir, service);
	if ((rc = bg_read_small_file(path, 0, 1 << 20, &buf, &len, &why)) != 0)
		return rc;
	for (text = buf; text && *text; text = next) {
		next = strchr(text, '\n');
		if (next)
			*next++ = '\0';
		if (line(text, ++lineno, arg) != 0)
			break;
	}
	free(buf);
	return 0;
}

struct walk {
	const char *dir, *service;
	unsigned depth;
	bool follow;
	void (*cb)(const struct bg_pamd_line *l, void *arg);
	void *arg;
	int found;
};

static int pamd_walk(const char *dir, const char *service, unsigned depth, bool follow,
		     void (*cb)(const struct bg_pamd_line *l, void *arg), void *arg);

static int walk_line(char *text, unsigned lineno, void *arg)
{
	struct walk *w = arg;
	char *words[4 + BG_PAMD_MAX_ARGS];
	struct bg_pamd_line l;
	int n = bg_pamd_split(text, words, (int)(sizeof(words) / sizeof(words[0])));

	/* Included stacks count where they are included, as libpam reads them. */
	if (w->follow && n >= 2 && w->depth < BG_PAMD_MAX_DEPTH &&
	    (strcmp(words[0], "@include") == 0 ||
	     (n >= 3 && (strcmp(words[1], "include") == 0 || strcmp(words[1], "substack") == 0)))) {
		int r = pamd_walk(w->dir, words[0][0] == '@' ? words[1] : words[2], w->depth + 1,
				  true, w->cb, w->arg);

		w->found += r > 0 ? r : 0;
		return 0;
	}
	if (n < 3 || strcmp(bg_pamd_base(words[2]), "pam_breachguard.so") != 0)
		return 0;
	memset(&l, 0, sizeof(l));
	l.service = w->service;
	l.lineno = lineno;
	snprintf(l.type, sizeof(l.type), "%s", words[0][0] == '-' ? words[0] + 1 : words[0]);
	for (int i = 3; i < n && l.argc < BG_PAMD_MAX_ARGS; i++)
		l.argv[l.argc++] = unbracket(words[i]);
	w->found++;
	if (w->cb)
		w->cb(&l, w->arg);
	return 0;
}

static int pamd_walk(const char *dir, const char *service, unsigned depth, bool follow,
		     void (*cb)(const struct bg_pamd_line *l, void *arg), void *arg)
{
	struct walk w = {dir, service, depth, follow, cb, arg, 0};
	int rc = bg_pamd_read(dir, service, depth, walk_line, &w);

	return rc < 0 ? rc : w.found;
}

int bg_pamd_lines(const char *dir, const char *service, bool follow,
		  void (*cb)(const struct bg_pamd_line *l, void *arg), void *arg)
{
	return pamd_walk(dir, service, 0, follow, cb, arg);
}

struct svc_arg {
	struct bg_config *cfg;
	const struct bg_logger *log;
	int rc;
	bool done;
	bool gating;
};

/* A gating line (action=deny, sudo gating: the first account line, requisite)
 * decides wherever it stands: it refuses before the common stack's line runs.
 * Otherwise the last account line decides. */
static void svc_cb(const struct bg_pamd_line *l, void *arg)
{
	struct svc_arg *s = arg;
	struct bg_config c;
	int rc;

	if (strcmp(l->type, "account") != 0 || s->gating)
		return;
	bg_config_defaults(&c);
	rc = bg_config_from_args(&c, l->argc, l->argv, s->log);
	if (rc == 0) {
		*s->cfg = c;
		s->gating = c.action == BG_ACT_DENY;
	}
	s->rc = s->rc ? s->rc : rc;
	s->done = true;
}

int bg_pamd_service_config(const char *service, struct bg_config *cfg, const struct bg_logger *log)
{
	struct svc_arg s = {cfg, log, 0, false, false};
	int n = bg_pamd_lines(BG_PAMD_DIR, service, true, svc_cb, &s);

	if (n < 0) {
		bg_log(log, LOG_ERR, "%s/%s: %s", BG_PAMD_DIR, service, strerror(-n));
		return n;
	}
	if (s.rc != 0)
		return s.rc;
	return s.done ? 1 : 0;
}
