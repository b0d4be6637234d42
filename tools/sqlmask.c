/* sqlmask.c: the password columns of an SQL dump.  mysqldump and pg_dump write
 * a users table as INSERT statements (with a column list, or without one: the
 * CREATE TABLE before them names the columns) or as the rows of COPY ... FROM
 * stdin.  The text reader reads every address of every line, and a password
 * that reads as an address ('p@ssw0rd.jp') was stored as an identity, one that
 * did not was shown in the report.  Here the values of the columns named as a
 * password's are blanked before the line is tokenised (same length: columns
 * and line numbers stay), and those that held an '@' are counted, to be said
 * with their line, never shown.
 *
 * Only what a dump tool writes is followed: a statement that starts a line;
 * quotes ' and " with '' doubled and, unless the dump says
 * standard_conforming_strings = on, backslash escapes (MySQL's); parentheses
 * nested in a value; "--" and block comments between the words and values
 * of a statement (a block comment may span lines), and a column list over
 * several lines (a hand-written or reformatted dump's "INSERT INTO users (",
 * "  id,", "  email,", "  password", ") VALUES").  A password value still open at the end of its
 * line is a shape not understood: the statement's mask stops there (its values are then tokenised
 * as before), so no more than that line's rest is ever blanked. */
#include "sqlmask.h"

#include "addrtok.h"
#include "ascii.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_COLS 256
#define MAX_TABLES 32
#define NAME_MAX_LEN 64

#define MAX_SPANS 8
/* An INSERT's head (its column list one name a line, a comment) is followed
 * over this many lines at most: a comment never closed does not hide the
 * statements after it. */
#define HEAD_LINES_MAX 1024

#define INFER_COLS 64
#define INFER_MIN 4

struct table {
	char name[NAME_MAX_LEN];
	uint64_t pw[MAX_COLS / 64];
	unsigned ncols;
	/* No column names known (an INSERT without a list, no CREATE TABLE):
	 * per column, the values with text and those of them with an '@'. */
	bool infer;
	unsigned vals[INFER_COLS], ats[INFER_COLS], blanks[INFER_COLS];
};

/* A value of an inferred table's tuple on the line being read. */
struct ival {
	size_t a, b;
	unsigned col;
	bool at, text, blank;
};

/* A password value of the tuple being read, in the line's coordinates. */
struct span {
	size_t a, b;
	bool at;
};

enum mode { M_NONE, M_CREATE, M_VALUES, M_COPY, M_ASSIGN, M_HEAD };

struct bg_sqlmask {
	enum mode mode;
	bool backslash; /* backslash escapes in strings (MySQL; pg without standard strings) */
	/* the scanner of a statement's body */
	char quote;
	bool esc;
	bool comment; /* inside a block comment of a statement followed */
	/* an INSERT's column list over lines: open, its columns so far, and
	 * whether a name comes next (after '(' or ',') */
	bool in_cols, cols_name;
	unsigned lcol, head_lines;
	int depth;
	unsigned col;
	bool val_at; /* the password value being read holds an '@' */
	/* VALUES: the password values of the open tuple, blanked when it closes
	 * with as many values as the table has columns (else the statement is
	 * not one we read right: nothing of it is blanked from there on) */
	struct span span[MAX_SPANS];
	unsigned nspan;
	size_t vstart;
	unsigned ncols; /* 0: not known */
	/* CREATE TABLE: at depth 1, the next word names a column */
	bool want_name;
	bool skip_item; /* a constraint (PRIMARY KEY ...), not a column */
	struct table *cur;
	/* INSERT: its table, and whether its column list was read (M_HEAD) */
	char head[NAME_MAX_LEN];
	bool head_cols;
	bool select; /* INSERT ... SELECT: its one tuple ends at ';' or FROM */
	/* the password columns of the statement being scanned */
	uint64_t pw[MAX_COLS / 64];
	struct table tab[MAX_TABLES];
	unsigned ntab, next;
	struct table *inf; /* the statement's table when its columns are inferred */
	struct ival *iv;
	size_t niv, ivcap;
	bool nomem;
	char *buf;
	size_t cap;
};

struct bg_sqlmask *bg_sqlmask_new(void)
{
	struct bg_sqlmask *m = calloc(1, sizeof(*m));

	if (m)
		m->backslash = true;
	return m;
}

void bg_sqlmask_free(struct bg_sqlmask *m)
{
	if (m) {
		free(m->buf);
		free(m->iv);
		free(m);
	}
}

static bool pw_col(const uint64_t *pw, unsigned col)
{
	return col < MAX_COLS && (pw[col / 64] >> (col % 64) & 1);
}

static void pw_set(uint64_t *pw, unsigned col)
{
	if (col < MAX_COLS)
		pw[col / 64] |= (uint64_t)1 << (col % 64);
}

static bool any_pw(const uint64_t *pw)
{
	for (int i = 0; i < MAX_COLS / 64; i++)
		if (pw[i])
			return true;
	return false;
}

static bool ident_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '$' || c >= 0x80;
}

static size_t skip_blank(const char *s, size_t n, size_t i)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
		i++;
	return i;
}

/* From i, past blanks and comments: a "--" one runs to the line's end (n
 * returned), a block one to its closing star-slash, on a later line too
 * (m->comment: n returned, the next line starts inside it). */
static size_t skip_gap(struct bg_sqlmask *m, const char *s, size_t n, size_t i)
{
	const char *e;

	for (;;) {
		if (m->comment) {
			if (!(e = i < n ? memmem(s + i, n - i, "*/", 2) : NULL))
				return n;
			m->comment = false;
			i = (size_t)(e - s) + 2;
		}
		i = skip_blank(s, n, i);
		if (i + 1 < n && s[i] == '-' && s[i + 1] == '-')
			return n;
		if (i + 1 >= n || s[i] != '/' || s[i + 1] != '*')
			return i;
		m->comment = true;
		i += 2;
	}
}

/* A keyword at i (case aside) followed by a non-identifier byte. */
static bool keyword(const char *s, size_t n, size_t i, const char *kw)
{
	size_t k = strlen(kw);

	return i + k <= n && bg_ascii_starts_ci(s + i, n - i, kw) &&
	       (i + k == n || !ident_char((unsigned char)s[i + k]));
}

/* After keyword kw at j and the blanks behind it, or j when kw is not there. */
static size_t skip_kw(const char *s, size_t n, size_t j, const char *kw)
{
	return keyword(s, n, j, kw) ? skip_blank(s, n, j + strlen(kw)) : j;
}

/* One identifier at i, quoted (` " [ ]) or bare: its text in [*a, *b); returns
 * the index after it, or i when there is none. */
static size_t ident(const char *s, size_t n, size_t i, size_t *a, size_t *b)
{
	char close;

	if (i < n && (s[i] == '`' || s[i] == '"' || s[i] == '[')) {
		close = s[i] == '[' ? ']' : s[i];
		*a = i + 1;
		for (*b = *a; *b < n && s[*b] != close; (*b)++)
			;
		return *b < n ? *b + 1 : i;
	}
	*a = i;
	while (i < n && ident_char((unsigned char)s[i]))
		i++;
	*b = i;
	return i;
}

/* A table's name, schema-qualified or not ("public"."users", `db`.`users`):
 * the last part, lower-cased into out.  Returns the index after it, or i. */
static size_t table_name(const char *s, size_t n, size_t i, char out[NAME_MAX_LEN])
{
	size_t a = 0, b = 0, j = i, k;

	for (;;) {
		k = ident(s, n, j, &a, &b);
		if (k == j || b == a)
			return i;
		j = k;
		if (j < n && s[j] == '.')
			j++;
		else
			break;
	}
	if (b - a >= NAME_MAX_LEN)
		return i;
	for (k = 0; k < b - a; k++) {
		unsigned char c = (unsigned char)s[a + k];

		out[k] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	out[b - a] = '\0';
	return j;
}

static struct table *find(struct bg_sqlmask *m, const char *name)
{
	for (unsigned i = 0; i < m->ntab; i++)
		if (strcmp(m->tab[i].name, name) == 0)
			return &m->tab[i];
	return NULL;
}

static struct table *add(struct bg_sqlmask *m, const char *name)
{
	struct table *t = find(m, name);

	if (!t) {
		t = m->ntab < MAX_TABLES ? &m->tab[m->ntab++] : &m->tab[m->next++ % MAX_TABLES];
		snprintf(t->name, sizeof(t->name), "%s", name);
	}
	memset(t->pw, 0, sizeof(t->pw));
	t->ncols = 0;
	t->infer = false;
	memset(t->vals, 0, sizeof(t->vals));
	memset(t->ats, 0, sizeof(t->ats));
	memset(t->blanks, 0, sizeof(t->blanks));
	return t;
}

/* The column list "(id, email, `password`)" from i, its '(' (or, m->in_cols,
 * the line it goes on over): the password columns into m->pw, their count
 * into m->ncols, comments skipped.  Returns the index after ')', n when the
 * list goes on past the line (m->in_cols), or SIZE_MAX when it is not one. */
static size_t column_list(struct bg_sqlmask *m, const char *s, size_t n, size_t i)
{
	size_t a, b, k;

	if (!m->in_cols) {
		memset(m->pw, 0, sizeof(m->pw));
		m->lcol = 0;
		m->in_cols = m->cols_name = true;
		i++;
	}
	for (;;) {
		if ((i = skip_gap(m, s, n, i)) >= n)
			return n;
		if (!m->cols_name && (s[i] == ',' || s[i] == ')')) {
			m->cols_name = s[i] == ',';
			if (s[i++] == ',')
				continue;
			m->in_cols = false;
			m->ncols = m->lcol;
			return i;
		}
		k = ident(s, n, i, &a, &b);
		if (!m->cols_name || k == i || b == a)
			break;
		if (bg_password_name(s + a, b - a))
			pw_set(m->pw, m->lcol);
		m->lcol++;
		m->cols_name = false;
		i = k;
	}
	m->in_cols = m->comment = false;
	return SIZE_MAX;
}

static void body_start(struct bg_sqlmask *m, enum mode mode)
{
	m->mode = mode;
	m->quote = 0;
	m->esc = false;
	m->comment = false;
	m->depth = 0;
	m->col = 0;
	m->val_at = false;
	m->want_name = false;
	m->skip_item = false;
	m->nspan = 0;
	m->vstart = 0;
	m->inf = NULL;
	m->niv = 0;
	m->select = false;
}

/* "col = value, ..." from i to the statement's end on this line (an UPDATE's
 * SET, ON DUPLICATE KEY UPDATE, INSERT ... SET): the values assigned to a
 * password's column blanked in w, those with an '@' counted.  A quoted value
 * ends at its closing quote; a bare one at ',', ')', ';' or a blank. */
static void assignments(const struct bg_sqlmask *m, char *w, const char *s, size_t n, size_t i,
			unsigned *secrets)
{
	size_t a, b, k, v;

	while (i < n && s[i] != ';') {
		if (s[i] == '\'' || s[i] == '"') { /* a value not assigned to a name we read */
			char q = s[i];

			for (i++; i < n && s[i] != q; i++)
				if (s[i] == '\\' && m->backslash)
					i++;
			i++;
			continue;
		}
		k = ident(s, n, i, &a, &b);
		if (k == i || b == a) {
			i++;
			continue;
		}
		v = skip_blank(s, n, k);
		if (v >= n || s[v] != '=' || (v + 1 < n && (s[v + 1] == '=' || s[v + 1] == '>'))) {
			i = k;
			continue;
		}
		v = skip_blank(s, n, v + 1);
		i = v;
		if (v < n && (s[v] == '\'' || s[v] == '"')) {
			for (i = v + 1; i < n && s[i] != s[v]; i++)
				if (s[i] == '\\' && m->backslash)
					i++;
			i = i < n ? i + 1 : n;
		} else {
			while (i < n && s[i] != ',' && s[i] != ')' && s[i] != ';' && s[i] != ' ' &&
			       s[i] != '\t')
				i++;
		}
		if (bg_password_name(s + a, b - a) && i > v) {
			*secrets += memchr(s + v, '@', i - v) != NULL;
			memset(w + v, ' ', i - v);
		}
	}
}

/* An INSERT's rest after its table's name (m->head), from i: the column list,
 * then SET or VALUES.  The head may go on over the next lines ("INSERT INTO
 * users", "(id, email, password)", "VALUES", "(...)"): M_HEAD, with the
 * column list kept once read.  Returns where the body starts, or SIZE_MAX for
 * a statement not followed (the mode M_NONE). */
static size_t insert_rest(struct bg_sqlmask *m, const char *s, size_t n, size_t i)
{
	struct table *t = NULL;
	size_t j;

	m->mode = M_NONE;
	i = skip_gap(m, s, n, i);
	if (m->in_cols || (i < n && s[i] == '(' && !m->head_cols)) {
		if ((j = column_list(m, s, n, i)) == SIZE_MAX)
			return SIZE_MAX;
		if (m->in_cols) {
			m->mode = M_HEAD;
			return n;
		}
		m->head_cols = true;
		i = skip_gap(m, s, n, j);
	}
	if (i >= n) {
		m->mode = M_HEAD;
		return n;
	}
	if (m->head_cols) {
		/* the columns named */
	} else if ((t = find(m, m->head)) != NULL && !t->infer) {
		memcpy(m->pw, t->pw, sizeof(m->pw));
		m->ncols = t->ncols;
		t = NULL;
	} else {
		/* columns not known: learnt from the values (infer()) */
		if (!t) {
			t = add(m, m->head);
			t->infer = true;
		}
		memset(m->pw, 0, sizeof(m->pw));
		m->ncols = t->ncols;
	}
	if (keyword(s, n, i, "set")) { /* MySQL's INSERT ... SET col = value */
		body_start(m, M_ASSIGN);
		return i + 3;
	}
	if (keyword(s, n, i, "select") && m->head_cols) {
		/* INSERT ... (cols) SELECT v1, v2: one tuple without parentheses */
		body_start(m, M_VALUES);
		m->select = true;
		m->depth = 1;
		return i + 6;
	}
	if (!keyword(s, n, i, "values"))
		return SIZE_MAX;
	body_start(m, M_VALUES);
	m->inf = t;
	return i + 6;
}

/* A line that starts a statement we follow: its head read, the index where its
 * body starts returned (the mode set), or SIZE_MAX for none. */
static size_t statement(struct bg_sqlmask *m, const char *s, size_t n)
{
	char name[NAME_MAX_LEN];
	size_t i = skip_blank(s, n, 0), j;

	if (keyword(s, n, i, "set") && memmem(s, n, "standard_conforming_strings", 27)) {
		m->backslash = !(memmem(s, n, "= on", 4) || memmem(s, n, "=on", 3) ||
				 memmem(s, n, "TO on", 5) || memmem(s, n, "= 'on'", 6));
		return SIZE_MAX;
	}
	if (keyword(s, n, i, "create")) {
		j = skip_blank(s, n, i + 6);
		for (;;) {
			if (keyword(s, n, j, "temporary"))
				j = skip_blank(s, n, j + 9);
			else if (keyword(s, n, j, "temp"))
				j = skip_blank(s, n, j + 4);
			else if (keyword(s, n, j, "unlogged"))
				j = skip_blank(s, n, j + 8);
			else
				break;
		}
		if (!keyword(s, n, j, "table"))
			return SIZE_MAX;
		j = skip_blank(s, n, j + 5);
		if (keyword(s, n, j, "if")) /* IF NOT EXISTS */
			j = skip_kw(s, n, skip_kw(s, n, skip_kw(s, n, j, "if"), "not"), "exists");
		if ((i = table_name(s, n, j, name)) == j)
			return SIZE_MAX;
		m->cur = add(m, name);
		body_start(m, M_CREATE);
		return i;
	}
	if (keyword(s, n, i, "update")) {
		/* UPDATE name SET col = value, ... [WHERE ...] */
		j = skip_kw(s, n, skip_kw(s, n, skip_blank(s, n, i + 6), "low_priority"), "ignore");
		if ((i = table_name(s, n, j, name)) == j)
			return SIZE_MAX;
		i = skip_blank(s, n, i);
		if (!keyword(s, n, i, "set"))
			return SIZE_MAX;
		body_start(m, M_ASSIGN);
		return i + 3;
	}
	if (keyword(s, n, i, "insert") || keyword(s, n, i, "replace")) {
		/* INSERT [LOW_PRIORITY|IGNORE ...] INTO name [(cols)] VALUES */
		for (j = i; j < n && j < i + 64 && !keyword(s, n, j, "into"); j++)
			;
		if (j >= n || j >= i + 64)
			return SIZE_MAX;
		j = skip_blank(s, n, j + 4);
		if ((i = table_name(s, n, j, m->head)) == j)
			return SIZE_MAX;
		m->head_cols = m->in_cols = m->comment = false;
		m->head_lines = 0;
		return insert_rest(m, s, n, i);
	}
	if (keyword(s, n, i, "copy")) {
		/* COPY name (cols) FROM stdin; */
		j = skip_blank(s, n, i + 4);
		if ((i = table_name(s, n, j, name)) == j)
			return SIZE_MAX;
		i = skip_blank(s, n, i);
		m->in_cols = m->comment = false;
		if (i >= n || s[i] != '(' || (j = column_list(m, s, n, i)) == SIZE_MAX)
			return SIZE_MAX;
		if (m->in_cols) { /* the rows come after a one-line list only */
			m->in_cols = m->comment = false;
			return SIZE_MAX;
		}
		j = skip_blank(s, n, j);
		if (!keyword(s, n, j, "from") || !memmem(s + j, n - j, "stdin", 5) ||
		    !any_pw(m->pw))
			return SIZE_MAX;
		body_start(m, M_COPY);
		return n; /* the rows start on the next line */
	}
	return SIZE_MAX;
}

/* The word at i of a CREATE TABLE body, at depth 1 after '(' or ',': a column
 * (its name) or a constraint. */
static size_t create_item(struct bg_sqlmask *m, const char *s, size_t n, size_t i)
{
	static const char *const constraint[] = {"primary", "key",     "unique", "constraint",
						 "index",   "foreign", "check",	 "fulltext",
						 "spatial", "exclude", "like",	 NULL};
	size_t a, b, k = ident(s, n, i, &a, &b);

	m->want_name = false;
	if (k == i || b == a) /* not on this line yet, or no name */
		return k == i && i < n ? i : k;
	if (s[i] != '`' && s[i] != '"' && s[i] != '[')
		for (int c = 0; constraint[c]; c++)
			if (keyword(s, n, a, constraint[c])) {
				m->skip_item = true;
				return k;
			}
	if (bg_password_name(s + a, b - a))
		pw_set(m->cur->pw, m->col);
	m->cur->ncols = ++m->col;
	return k;
}

/* The password values of the open tuple (or of its part on this line)
 * blanked in w and counted. */
static void apply(struct bg_sqlmask *m, char *w, unsigned *secrets)
{
	for (unsigned k = 0; k < m->nspan; k++) {
		memset(w + m->span[k].a, ' ', m->span[k].b - m->span[k].a);
		*secrets += m->span[k].at;
	}
	m->nspan = 0;
}

/* Whether [a, b) of s is a value with text: not blank, NULL, '' or "". */
static bool has_text(const char *s, size_t a, size_t b)
{
	while (a < b && (s[a] == ' ' || s[a] == '\t' || s[a] == '\r'))
		a++;
	while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t' || s[b - 1] == '\r'))
		b--;
	if (b - a == 4 && bg_ascii_starts_ci(s + a, 4, "null"))
		return false;
	return b - a > 2 || (b - a == 2 && s[a] != s[a + 1]) ||
	       (b - a == 1 && s[a] != '\'' && s[a] != '"');
}

/* The value [m->vstart, i) of s ends: kept when it is a password's, or, the
 * columns not known, kept for infer(). */
static void value_end(struct bg_sqlmask *m, const char *s, size_t i)
{
	if (m->inf) {
		if (m->col < INFER_COLS && i > m->vstart) {
			if (m->niv == m->ivcap) {
				size_t cap = m->ivcap ? m->ivcap * 2 : 256;
				struct ival *nv = realloc(m->iv, cap * sizeof(*nv));

				if (!nv) {
					m->nomem = true;
					m->vstart = i + 1;
					return;
				}
				m->iv = nv;
				m->ivcap = cap;
			}
			bool text = has_text(s, m->vstart, i);

			m->iv[m->niv++] = (struct ival){
			    m->vstart, i,
			    m->col,    m->val_at,
			    text,      text && memchr(s + m->vstart, ' ', i - m->vstart) != NULL};
		}
	} else if (pw_col(m->pw, m->col) && m->nspan < MAX_SPANS && i > m->vstart) {
		m->span[m->nspan++] = (struct span){m->vstart, i, m->val_at};
	}
	m->val_at = false;
	m->vstart = i + 1;
}

/* The values of an inferred table's tuples on this line: counted into the
 * table, then those of a column whose values with text mostly hold no '@'
 * (INFER_MIN of them at least) but some do, and mostly no blank (a notes
 * column's "forwarded to n7@x.org" is text), a password's likely, blanked;
 * *guessed counts the blanked ones with an '@'. */
static void infer(struct bg_sqlmask *m, char *w, unsigned *guessed)
{
	struct table *t = m->inf;
	size_t k;

	for (k = 0; k < m->niv; k++)
		if (m->iv[k].text) {
			t->vals[m->iv[k].col]++;
			t->ats[m->iv[k].col] += m->iv[k].at;
			t->blanks[m->iv[k].col] += m->iv[k].blank;
		}
	for (k = 0; k < m->niv; k++) {
		unsigned c = m->iv[k].col;

		if (t->vals[c] >= INFER_MIN && t->ats[c] > 0 && t->ats[c] * 2 < t->vals[c] &&
		    t->blanks[c] * 2 < t->vals[c]) {
			memset(w + m->iv[k].a, ' ', m->iv[k].b - m->iv[k].a);
			*guessed += m->iv[k].at;
		}
	}
	m->niv = 0;
}

/* The body of a CREATE TABLE or of INSERT ... VALUES, from i. */
static void body(struct bg_sqlmask *m, char *w, const char *s, size_t n, size_t i,
		 unsigned *secrets, unsigned *guessed)
{
	m->vstart = i;
	for (; i < n && m->mode != M_NONE; i++) {
		unsigned char c = (unsigned char)s[i];

		/* "-- bcrypt" after a column: the line's rest is a comment (it
		 * was read as one more column, and the mask stopped) */
		if (!m->quote && c == '-' && i + 1 < n && s[i + 1] == '-')
			break;
		/* a block comment ("bcrypt, cost 10" between slash-stars): its
		 * ',' and '(' are no value's or column's (they shifted the
		 * columns, and the mask stopped) */
		if (m->comment || (!m->quote && c == '/' && i + 1 < n && s[i + 1] == '*')) {
			size_t k = skip_gap(m, s, n, i);

			if (k >= n)
				break;
			i = k - 1;
			continue;
		}
		if (m->select && !m->quote && m->depth == 1 &&
		    (c == ';' ||
		     ((c == 'f' || c == 'F') && i > 0 && !ident_char((unsigned char)s[i - 1]) &&
		      keyword(s, n, i, "from")))) {
			value_end(m, s, i);
			if (!m->ncols || m->col + 1 == m->ncols)
				apply(m, w, secrets);
			m->nspan = 0;
			m->mode = M_NONE;
			break;
		}
		/* after the tuples: ON DUPLICATE KEY UPDATE col = value, ... */
		if (m->mode == M_VALUES && !m->quote && m->depth == 0 && (c == 'o' || c == 'O') &&
		    keyword(s, n, i, "on") && keyword(s, n, skip_blank(s, n, i + 2), "duplicate")) {
			assignments(m, w, s, n, i + 2, secrets);
			m->mode = M_NONE;
			break;
		}

		if (m->mode == M_CREATE && m->want_name && m->depth == 1 && !m->quote) {
			if (c == ' ' || c == '\t' || c == '\r')
				continue;
			if (c != ')' && c != ',') {
				size_t k = create_item(m, s, n, i);

				if (k > i) {
					i = k - 1;
					continue;
				}
			}
		}
		if (m->quote) {
			if (m->esc)
				m->esc = false;
			else if (c == '\\' && m->backslash)
				m->esc = true;
			else if (c == (unsigned char)m->quote)
				m->quote = 0;
		} else if (c == '\'' || c == '"' || c == '`') {
			m->quote = (char)c;
		} else if (c == '(') {
			if (++m->depth == 1) {
				m->col = 0;
				m->nspan = 0;
				m->val_at = false;
				m->vstart = i + 1;
				m->want_name = m->mode == M_CREATE;
			}
		} else if (c == ')' && m->depth > 0) {
			if (--m->depth == 0) {
				if (m->mode == M_CREATE) {
					m->mode = M_NONE;
					break;
				}
				value_end(m, s, i);
				if (m->inf && !m->ncols)
					m->ncols = m->inf->ncols = m->col + 1;
				/* as many values as columns: read right */
				if (m->ncols && m->col + 1 != m->ncols) {
					m->nspan = 0;
					m->niv = 0;
					m->inf = NULL;
					m->mode = M_NONE;
					break;
				}
				apply(m, w, secrets);
			}
		} else if (c == ',' && m->depth == 1) {
			if (m->mode == M_CREATE) {
				m->skip_item = false;
				m->want_name = true;
			} else {
				value_end(m, s, i);
				m->col++;
			}
		} else if (c == ';' && m->depth == 0) {
			m->mode = M_NONE;
			break;
		}
		if (m->mode == M_VALUES && m->depth >= 1 && c == '@')
			m->val_at = true;
	}
	/* A tuple open at the end of the line (or piece): its password values
	 * so far, and the one being read, blanked on this line. */
	if (m->mode == M_VALUES && m->depth >= 1) {
		if (m->inf) {
			value_end(m, s, n);
			m->vstart = 0;
		} else if (pw_col(m->pw, m->col) && m->nspan < MAX_SPANS && n > m->vstart) {
			m->span[m->nspan++] = (struct span){m->vstart, n, m->val_at};
		}
		apply(m, w, secrets);
		m->val_at = false;
	}
	if (m->inf) {
		infer(m, w, guessed);
		if (m->mode != M_VALUES)
			m->inf = NULL;
	}
}

/* One row of COPY ... FROM stdin: tab-separated, "\." ends them. */
static void copy_row(struct bg_sqlmask *m, char *w, const char *s, size_t n, bool first,
		     unsigned *secrets)
{
	size_t i;

	if (first) {
		if (n >= 2 && s[0] == '\\' && s[1] == '.' && (n == 2 || s[2] == '\r')) {
			m->mode = M_NONE;
			return;
		}
		m->col = 0;
		m->val_at = false;
	}
	for (i = 0; i < n; i++) {
		if (s[i] == '\t') {
			if (m->val_at)
				(*secrets)++;
			m->val_at = false;
			m->col++;
			continue;
		}
		if (pw_col(m->pw, m->col)) {
			m->val_at |= s[i] == '@';
			w[i] = ' ';
		}
	}
}

const char *bg_sqlmask_line(struct bg_sqlmask *m, const char *s, size_t n, bool first,
			    unsigned *secrets, unsigned *guessed)
{
	size_t start = 0;
	char *w;

	*secrets = *guessed = 0;
	if (first && m->mode != M_COPY) {
		/* A value left open at its line's end: not a shape we follow. */
		if (m->mode == M_VALUES && m->quote && m->depth >= 1 && pw_col(m->pw, m->col))
			m->mode = M_NONE;
		/* an INSERT's head going on: its column list, VALUES; else the
		 * line may start a statement of its own */
		if (m->mode == M_HEAD && ++m->head_lines > HEAD_LINES_MAX)
			m->mode = M_NONE;
		if (m->mode == M_HEAD) {
			start = insert_rest(m, s, n, 0);
			if (m->mode == M_HEAD)
				return s;
		}
		if (m->mode == M_NONE) {
			size_t i = skip_blank(s, n, 0);

			/* the one test every line pays: a statement's first letter */
			if (i >= n || !strchr("cCiIrRsSuU", s[i]))
				return s;
			if ((start = statement(m, s, n)) == SIZE_MAX)
				return s;
		}
	}
	/* M_HEAD: an INSERT's head still to come (a long line's later piece) */
	if (m->mode == M_NONE || m->mode == M_HEAD)
		return s;
	if (m->cap < n) {
		char *nb = realloc(m->buf, n);

		if (!nb)
			return NULL;
		m->buf = nb;
		m->cap = n;
	}
	w = m->buf;
	memcpy(w, s, n);
	if (m->mode == M_ASSIGN) {
		assignments(m, w, s, n, start, secrets);
		m->mode = M_NONE; /* one line: a SET list is not followed onto the next */
	} else if (m->mode == M_COPY) {
		if (start < n)
			copy_row(m, w, s, n, first, secrets);
	} else {
		body(m, w, s, n, start, secrets, guessed);
		if (m->nomem)
			return NULL;
	}
	/* the row's last value, at the end of its line */
	if (m->mode == M_COPY && m->val_at) {
		(*secrets)++;
		m->val_at = false;
	}
	return w;
}
