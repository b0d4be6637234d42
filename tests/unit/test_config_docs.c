/* test_config_docs.c: the shipped breachguard.conf and breachguard.conf(5)
 * against the option table (config.c): every key of the table is in both, in
 * the table's order, neither names a key the table does not know, and what
 * they say of a key (its default, range, words, "the module ignores it") is
 * what the table says.  Run from the source root. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "t.h"

#define CONF "policy/breachguard.conf"
#define MAN "policy/man/breachguard.conf.5"
#define DOC_LINES 4096
#define MAX_KEYS 64

struct doc {
	const char *path;
	char *text;
	char *line[DOC_LINES];
	size_t n;
};

static struct doc conf = {.path = CONF}, man = {.path = MAN};

/* A failed check with the file and line it is about. */
#define DOC_CHECK(cond, d, i, ...)                                                                 \
	do {                                                                                       \
		T_CHECK(cond);                                                                     \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "  %s:%zu: ", (d)->path, (size_t)(i) + 1);                 \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
		}                                                                                  \
	} while (0)

static int doc_load(struct doc *d)
{
	FILE *f = fopen(d->path, "r");
	long size;
	char *p;

	if (!f)
		return -1;
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    !(d->text = malloc((size_t)size + 1)) ||
	    fread(d->text, 1, (size_t)size, f) != (size_t)size) {
		fclose(f);
		return -1;
	}
	fclose(f);
	d->text[size] = '\0';
	for (p = d->text; *p && d->n < DOC_LINES;) {
		char *nl = strchr(p, '\n');

		d->line[d->n++] = p;
		if (!nl)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	return 0;
}

static size_t n_options(void)
{
	size_t n = 0;

	while (bg_option_at(n))
		n++;
	return n;
}

static bool fields_equal(const struct bg_option *o, const struct bg_config *a,
			 const struct bg_config *b)
{
	const char *pa = (const char *)a + o->offset, *pb = (const char *)b + o->offset;

	switch (o->type) {
	case BG_OPT_LIST:
	case BG_OPT_PATHS: {
		const struct bg_list *la = (const void *)pa, *lb = (const void *)pb;

		return la->n == lb->n && la->used == lb->used &&
		       memcmp(la->buf, lb->buf, la->used) == 0;
	}
	case BG_OPT_BOOL:
	case BG_OPT_NUM:
	case BG_OPT_WORD:
		return memcmp(pa, pb, o->size) == 0;
	default:
		return strcmp(pa, pb) == 0;
	}
}

/* 0: the value is the option's built-in default; 1: another value; < 0: refused. */
static int is_default(const struct bg_option *o, const char *value, char *err, size_t errlen)
{
	static struct bg_config d, c;
	int rc;

	bg_config_defaults(&d);
	bg_config_defaults(&c);
	/* Away from the default first, so that a refused value cannot pass. */
	if (o->type == BG_OPT_BOOL)
		(void)bg_config_set(&c, o->name, o->def ? "no" : "yes", err, errlen);
	if ((rc = bg_config_set(&c, o->name, value, err, errlen)) != 0)
		return rc;
	return fields_equal(o, &c, &d) ? 0 : 1;
}

/* "key = value", a value in quotes unquoted, into key and value. */
static bool split_kv(const char *s, char *key, size_t klen, char *value, size_t vlen)
{
	size_t k = 0, v;
	const char *eq;

	while (s[k] == '_' || (s[k] >= 'a' && s[k] <= 'z'))
		k++;
	eq = s + k;
	while (*eq == ' ' || *eq == '\t')
		eq++;
	if (k == 0 || k >= klen || *eq != '=')
		return false;
	memcpy(key, s, k);
	key[k] = '\0';
	for (eq++; *eq == ' ' || *eq == '\t'; eq++)
		;
	v = strlen(eq);
	while (v > 0 && (eq[v - 1] == ' ' || eq[v - 1] == '\t'))
		v--;
	if (v >= 2 && eq[0] == '"' && eq[v - 1] == '"') {
		eq++;
		v -= 2;
	}
	if (v >= vlen)
		return false;
	memcpy(value, eq, v);
	value[v] = '\0';
	return true;
}

/* The text of lines [from, to) joined by blanks, without a comment's "# ". */
static void join(const struct doc *d, size_t from, size_t to, char *out, size_t len)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = from; i < to && used + 1 < len; i++) {
		const char *s = d->line[i];
		int n;

		if (s[0] == '#')
			while (*++s == ' ')
				;
		n = snprintf(out + used, len - used, "%s ", s);

		if (n < 0)
			break;
		used += (size_t)n < len - used ? (size_t)n : len - used - 1;
	}
}

/* What the doc says about an option, beside its default: range, words, tool only. */
static void check_prose(const struct doc *d, size_t at, const struct bg_option *o, const char *text)
{
	char range[64];

	if (o->type == BG_OPT_NUM) {
		snprintf(range, sizeof(range), "%lu to %lu", o->min, o->max);
		DOC_CHECK(strstr(text, range) != NULL, d, at, "%s: the range \"%s\" is not said",
			  o->name, range);
	}
	for (size_t w = 0; o->type == BG_OPT_WORD && o->words[w]; w++)
		DOC_CHECK(strstr(text, o->words[w]) != NULL, d, at, "%s: the word %s is not said",
			  o->name, o->words[w]);
	DOC_CHECK(!!(o->flags & BG_OPT_TOOL) == !!strstr(text, "the module ignores it"), d, at,
		  "%s: \"the module ignores it\" is %s", o->name,
		  (o->flags & BG_OPT_TOOL) ? "missing" : "said of a key the module reads");
}

/* Keys in a doc, in order, and each table key found once, in the table's order. */
static void check_order(const struct doc *d, const char *const *keys, const size_t *at, size_t n)
{
	size_t want = n_options();

	T_EQ_INT(n, want);
	for (size_t i = 0; i < n && i < want; i++)
		DOC_CHECK(strcmp(keys[i], bg_option_at(i)->name) == 0, d, at[i],
			  "%s where the table has %s (same keys, same order)", keys[i],
			  bg_option_at(i)->name);
	for (size_t i = 0; i < want; i++) {
		size_t seen = 0;

		for (size_t j = 0; j < n; j++)
			seen += strcmp(keys[j], bg_option_at(i)->name) == 0;
		DOC_CHECK(seen == 1, d, 0, "%s: %zu times (once wanted)", bg_option_at(i)->name,
			  seen);
	}
}

/* breachguard.conf: "#key = default" lines (or "key = value"), in table order,
 * with the comment above each saying its range, words, tool-only. */
static void conf_file(void)
{
	const char *keys[MAX_KEYS];
	size_t at[MAX_KEYS], n = 0, block = 0;

	T_CHECK(conf.n > 0);
	for (size_t i = 0; i < conf.n; i++) {
		const char *s = conf.line[i], *ex = strstr(s, "# Example: ");
		char key[64], value[512], err[256], text[4096];
		const struct bg_option *o;
		bool commented = s[0] == '#';
		int rc;

		if (s[0] == '\0' || strncmp(s, "# ---", 5) == 0) {
			block = i + 1;
			continue;
		}
		if (ex == s && split_kv(s + 11, key, sizeof(key), value, sizeof(value))) {
			DOC_CHECK(bg_config_set(&(struct bg_config){0}, key, value, err,
						sizeof(err)) == 0,
				  &conf, i, "the example is refused: %s", err);
			continue;
		}
		if (!split_kv(s + commented, key, sizeof(key), value, sizeof(value)))
			continue;
		o = bg_option_find(key);
		DOC_CHECK(o != NULL, &conf, i, "%s is not a key of the option table", key);
		if (!o)
			continue;
		if (n < MAX_KEYS) {
			keys[n] = o->name;
			at[n++] = i;
		}
		rc = is_default(o, value, err, sizeof(err));
		if (commented)
			DOC_CHECK(rc == 0, &conf, i, "%s = %s: %s", key, value,
				  rc < 0 ? err : "not the built-in default");
		else
			DOC_CHECK(rc >= 0, &conf, i, "%s", err);
		join(&conf, block, i, text, sizeof(text));
		check_prose(&conf, i, o, text);
		block = i + 1;
	}
	check_order(&conf, keys, at, n);
}

/* The first word of a "Default:" sentence or of the macro line after it. */
static bool man_default(size_t i, size_t end, char *out, size_t len)
{
	for (; i < end; i++) {
		const char *s = strstr(man.line[i], "Default:");
		size_t k = 0;

		if (s != man.line[i])
			continue;
		s += 8;
		while (*s == ' ')
			s++;
		if (*s == '\0' && i + 1 < end && man.line[i + 1][0] == '.') {
			s = strchr(man.line[i + 1], ' ');
			s = s ? s + 1 : "";
		}
		if (strncmp(s, "empty", 5) == 0)
			s = "";
		while (s[k] && s[k] != ' ' && s[k] != ',' && !(s[k] == '.' && !isalnum(s[k + 1])))
			k++;
		if (k >= len)
			return false;
		memcpy(out, s, k);
		out[k] = '\0';
		return true;
	}
	return false;
}

/* breachguard.conf(5): ".It Cm key No = ..." entries under OPTIONS, in table
 * order, a word option's words as the table has them, each entry's default. */
static void man_page(void)
{
	const char *keys[MAX_KEYS];
	size_t at[MAX_KEYS], n = 0, start = 0, end = 0;
	static const char it[] = ".It Cm ";

	T_CHECK(man.n > 0);
	for (size_t i = 0; i < man.n; i++) {
		if (strcmp(man.line[i], ".Sh OPTIONS") == 0)
			start = i + 1;
		else if (start && !end && strcmp(man.line[i], ".El") == 0)
			end = i;
	}
	DOC_CHECK(start && end, &man, 0, "no OPTIONS list");
	for (size_t i = start; i < end; i++) {
		const char *s = man.line[i], *rest;
		char key[64], value[256], err[256], text[8192];
		const struct bg_option *o;
		size_t next = i + 1, k = 0;

		if (strncmp(s, it, sizeof(it) - 1) != 0)
			continue;
		s += sizeof(it) - 1;
		while (s[k] && s[k] != ' ' && k + 1 < sizeof(key))
			k++;
		memcpy(key, s, k);
		key[k] = '\0';
		rest = s + k;
		o = bg_option_find(key);
		DOC_CHECK(o != NULL, &man, i, "%s is not a key of the option table", key);
		if (!o)
			continue;
		if (n < MAX_KEYS) {
			keys[n] = o->name;
			at[n++] = i;
		}
		while (next < end && strncmp(man.line[next], ".It ", 4) != 0)
			next++;
		if (o->type == BG_OPT_WORD) {
			char want[256] = " No = Cm ";

			for (size_t w = 0; o->words[w]; w++) {
				strncat(want, o->words[w], sizeof(want) - strlen(want) - 1);
				if (o->words[w + 1])
					strncat(want, " | ", sizeof(want) - strlen(want) - 1);
			}
			DOC_CHECK(strcmp(rest, want) == 0, &man, i,
				  "%s: \"%s\", the table has \"%s\"", key, rest, want);
		}
		DOC_CHECK(man_default(i + 1, next, value, sizeof(value)), &man, i,
			  "%s: no \"Default:\"", key);
		if (man_default(i + 1, next, value, sizeof(value))) {
			int rc = is_default(o, value, err, sizeof(err));

			DOC_CHECK(rc == 0, &man, i, "%s: Default \"%s\": %s", key, value,
				  rc < 0 ? err : "not the built-in default");
		}
		join(&man, i, next, text, sizeof(text));
		check_prose(&man, i, o, text);
	}
	check_order(&man, keys, at, n);
}

/* The man page's EXAMPLES: every "key = value" line is one the setter takes. */
static void man_examples(void)
{
	bool in = false;
	size_t seen = 0;

	for (size_t i = 0; i < man.n; i++) {
		char key[64], value[512], err[256];
		static struct bg_config c;

		if (strncmp(man.line[i], ".Bd -literal", 12) == 0) {
			in = true;
			bg_config_defaults(&c);
		} else if (strcmp(man.line[i], ".Ed") == 0) {
			in = false;
		} else if (in && split_kv(man.line[i], key, sizeof(key), value, sizeof(value))) {
			seen++;
			DOC_CHECK(bg_config_set(&c, key, value, err, sizeof(err)) == 0, &man, i,
				  "the example is refused: %s", err);
		}
	}
	T_CHECK(seen > 0);
}

/* Any snake_case word in either doc is a key (or the module's name): a
 * reference to "exempt_user" or "on_errors" would be caught here. */
static void no_unknown_names(void)
{
	const struct doc *docs[] = {&conf, &man};

	for (size_t d = 0; d < 2; d++) {
		for (size_t i = 0; i < docs[d]->n; i++) {
			const char *s = docs[d]->line[i];

			for (size_t k = 0; s[k];) {
				size_t e = k;
				bool snake = false;
				char word[64];

				while (s[e] == '_' || (s[e] >= 'a' && s[e] <= 'z') ||
				       (s[e] >= '0' && s[e] <= '9')) {
					snake |= s[e] == '_' && e > k;
					e++;
				}
				if (e == k) {
					k++;
					continue;
				}
				if (snake && e - k < sizeof(word) &&
				    (k == 0 || !isalnum(s[k - 1]))) {
					memcpy(word, s + k, e - k);
					word[e - k] = '\0';
					DOC_CHECK(bg_option_find(word) != NULL ||
						      strcmp(word, "pam_breachguard") == 0,
						  docs[d], i, "%s is not a key of the option table",
						  word);
				}
				k = e;
			}
		}
	}
}

int main(int argc, char **argv)
{
	t_init(argc, argv);
	T_EQ_INT(doc_load(&conf), 0);
	T_EQ_INT(doc_load(&man), 0);
	T_RUN(conf_file);
	T_RUN(man_page);
	T_RUN(man_examples);
	T_RUN(no_unknown_names);
	free(conf.text);
	free(man.text);
	return t_done("test_config_docs");
}
