/* read_json.c: the JSON advisory reader.  A streaming tokenizer of our own (a
 * breach dump can be gigabytes: memory stays bounded by the chunk, the string cap
 * and the depth cap) feeding a recursive-descent parser that understands three
 * shapes: an array of address strings, an array of objects holding an address
 * field (possibly wrapped one or two objects deep, or one object a line), and
 * Have I Been Pwned's domain search result (alias -> breach names). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addrtok.h"
#include "ascii.h"
#include "reader.h"
#include "table.h"
#include "unicode.h"

#define JSON_CHUNK (64 * 1024)
#define JSON_STR_MAX (64 * 1024) /* longer strings are cut and flagged */
#define JSON_DEPTH_MAX 64
#define JSON_WRAP_LEVELS 2	   /* {"a":{"b":[...]}} is found, deeper is not */
#define JSON_CAND_MAX (128 * 1024) /* addresses kept for one record */
#define JSON_EXCERPT 80		   /* bytes of an element shown in an invalid note */
#define JSON_BREACHES_SEEN 256	   /* bytes of breach names kept for an error */

enum { STR_CUT = 1 << 0, STR_NUL = 1 << 1 };

/* The addresses one record offers, best field so far: entries of
 * [uint32 length][uint8 flags][bytes]. */
struct cand {
	char *buf;
	size_t len;
	int score; /* lower is better; INT32_MAX = none */
	bool overflow;
};

struct jp {
	struct bg_reader_ctx *c; /* input, options, sink, error */
	struct bg_addrtok *tok;
	int rc; /* sticky: once set every step is a no-op */

	char *buf; /* read chunk */
	size_t pos, len;
	bool eof;
	unsigned long line, col;
	bool after_cr;
	int depth;

	char *str; /* last string token, NUL-terminated */
	size_t slen;
	unsigned sflags;
	char *key; /* a copy of the member name being handled */
	size_t klen;
	unsigned kflags;

	char excerpt[JSON_EXCERPT + 1];
	size_t exlen;
	bool capture, ex_space;

	struct cand best, tmp;
	/* the best field's name; the record's other fields with an address
	 * (backup_email, a login beaten by email): the first's name */
	char best_name[64], other_name[64];
	size_t best_nlen, other_nlen;
	unsigned others;

	/* domain search bookkeeping */
	bool breach_matched;
	unsigned long aliases;
	char seen[JSON_BREACHES_SEEN];
	size_t seenlen;
	bool seen_more; /* names that did not fit */
};

static void syntax(struct jp *p, const char *expected)
{
	if (p->rc)
		return;
	p->rc = bg_err_set(&p->c->err, -EINVAL,
			   "%s: JSON syntax error at line %lu, column %lu: expected %s", p->c->name,
			   p->line, p->col, expected);
}

static void fill(struct jp *p)
{
	long n;

	if (p->rc || p->eof)
		return;
	n = bg_input_read(p->c->in, p->buf, JSON_CHUNK, &p->c->err);
	if (n < 0) {
		p->rc = (int)n;
		p->eof = true;
		return;
	}
	p->pos = 0;
	p->len = (size_t)n;
	if (n == 0)
		p->eof = true;
}

/* The next byte without consuming it, or -1 at the end (or after an error). */
static int peek(struct jp *p)
{
	if (p->pos >= p->len)
		fill(p);
	if (p->rc || p->pos >= p->len)
		return -1;
	return (unsigned char)p->buf[p->pos];
}

static void note_excerpt(struct jp *p, int c)
{
	bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r';

	if (p->exlen >= JSON_EXCERPT)
		return;
	/* Pretty-printed JSON would fill the excerpt with indentation. */
	if (space) {
		if (p->ex_space || p->exlen == 0)
			return;
		c = ' ';
	}
	p->ex_space = space;
	p->excerpt[p->exlen++] = (char)c;
	p->excerpt[p->exlen] = '\0';
}

/* A note on an element that is no record ("[\"a@x.jp\",\"p@ss.jp\"]", an
 * object keyed by addresses): its strings may be passwords.  Shown with the
 * keys of its objects only, every other string as "..." (a string the
 * excerpt cuts is one too). */
static void note_masked(struct jp *p, unsigned long line, const char *why)
{
	char out[2 * JSON_EXCERPT + 8];
	size_t o = 0, i = 0, n = p->exlen;
	const char *e = p->excerpt;

	while (i < n && o + 8 < sizeof(out)) {
		size_t a, j, k;

		if (e[i] != '"') {
			out[o++] = e[i++];
			continue;
		}
		a = ++i;
		while (i < n && e[i] != '"')
			i += e[i] == '\\' ? 2 : 1;
		j = i < n ? i + 1 : n;
		for (k = j; k < n && e[k] == ' '; k++)
			;
		out[o++] = '"';
		if (k < n && e[k] == ':' && i - a < sizeof(out) - o - 8) {
			memcpy(out + o, e + a, i - a);
			o += i - a;
		} else if (i > a) {
			memcpy(out + o, "...", 3);
			o += 3;
		}
		if (i < n)
			out[o++] = '"';
		i = j;
	}
	out[o] = '\0';
	bg_reader_note(p->c, line, why, out, o);
}

static int take(struct jp *p)
{
	int c = peek(p);

	if (c < 0)
		return c;
	p->pos++;
	if (c == '\n') {
		if (!p->after_cr)
			p->line++;
		p->col = 1;
	} else if (c == '\r') {
		p->line++;
		p->col = 1;
	} else if ((c & 0xc0) != 0x80) {
		p->col++; /* columns count characters, not UTF-8 continuation bytes */
	}
	p->after_cr = c == '\r';
	if (p->capture)
		note_excerpt(p, c);
	return c;
}

static int skip_ws(struct jp *p)
{
	int c;

	while ((c = peek(p)) == ' ' || c == '\t' || c == '\n' || c == '\r')
		take(p);
	return c;
}

/* After an element of an array or object: ',' means another follows (1); the
 * closer ends the container (0); anything else is a syntax error (0, p->rc). */
static int next_element(struct jp *p, char close)
{
	int c = skip_ws(p);

	if (c == ',') {
		take(p);
		return 1;
	}
	if (c == close) {
		take(p);
		return 0;
	}
	syntax(p, close == ']' ? "',' or ']'" : "',' or '}'");
	return 0;
}

static void start_capture(struct jp *p)
{
	p->capture = true;
	p->exlen = 0;
	p->ex_space = false;
	p->excerpt[0] = '\0';
}

static bool enter(struct jp *p)
{
	if (++p->depth > JSON_DEPTH_MAX) {
		if (!p->rc) {
			p->rc = bg_err_set(
			    &p->c->err, -EINVAL,
			    "%s: JSON nesting deeper than %d levels at line %lu, column %lu",
			    p->c->name, JSON_DEPTH_MAX, p->line, p->col);
		}
		return false;
	}
	return true;
}

static void put_str(struct jp *p, const char *s, size_t n)
{
	if (p->slen + n > JSON_STR_MAX) {
		p->sflags |= STR_CUT;
		return;
	}
	memcpy(p->str + p->slen, s, n);
	p->slen += n;
}

static void put_utf8(struct jp *p, uint32_t cp)
{
	char u[4];
	size_t n = bg_utf8_put(u, cp);

	if (cp == 0)
		p->sflags |= STR_NUL;
	put_str(p, u, n);
}

/* Four hex digits after "\u"; -1 on a syntax error. */
static long hex4(struct jp *p)
{
	long v = 0;

	for (int i = 0; i < 4; i++) {
		int d = bg_ascii_hexval(peek(p));

		if (d < 0) {
			syntax(p, "four hex digits after \\u");
			return -1;
		}
		take(p);
		v = v * 16 + d;
	}
	return v;
}

static void escape(struct jp *p);

static void escape_u(struct jp *p)
{
	long hi = hex4(p), lo;

	if (hi < 0)
		return;
	if (hi >= 0xdc00 && hi <= 0xdfff) {
		put_utf8(p, 0xfffd); /* a lone low surrogate */
		return;
	}
	if (hi < 0xd800 || hi > 0xdbff) {
		put_utf8(p, (uint32_t)hi);
		return;
	}
	/* A high surrogate is only whole with a low one right after it. */
	if (peek(p) != '\\') {
		put_utf8(p, 0xfffd);
		return;
	}
	take(p);
	if (peek(p) != 'u') {
		put_utf8(p, 0xfffd);
		escape(p);
		return;
	}
	take(p);
	lo = hex4(p);
	if (lo < 0)
		return;
	if (lo >= 0xdc00 && lo <= 0xdfff) {
		put_utf8(p, (uint32_t)(0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00)));
		return;
	}
	put_utf8(p, 0xfffd);
	put_utf8(p, lo >= 0xd800 && lo <= 0xdfff ? 0xfffd : (uint32_t)lo);
}

/* After a backslash was taken. */
static void escape(struct jp *p)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	int c = peek(p);
	const char *e;

	if (c == 'u') {
		take(p);
		escape_u(p);
		return;
	}
	e = c > 0 ? strchr(from, c) : NULL;
	if (!e) {
		syntax(p, "an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX) after '\\'");
		return;
	}
	put_str(p, &to[e - from], 1);
	take(p);
}

/* At '"': reads the string into p->str. */
static void string(struct jp *p)
{
	p->slen = 0;
	p->sflags = 0;
	take(p);
	while (!p->rc) {
		size_t run = 0;
		int c;

		/* Copy runs of plain bytes straight from the chunk. */
		if (p->pos >= p->len)
			fill(p);
		while (p->pos + run < p->len) {
			unsigned char b = (unsigned char)p->buf[p->pos + run];

			if (b == '"' || b == '\\' || b < 0x20)
				break;
			run++;
		}
		if (run) {
			put_str(p, p->buf + p->pos, run);
			for (size_t i = 0; i < run; i++)
				take(p);
			continue;
		}
		c = peek(p);
		if (c < 0) {
			syntax(p, "'\"' closing the string (the file ends inside it)");
			break;
		}
		if (c == '"') {
			take(p);
			break;
		}
		if (c < 0x20) {
			syntax(p,
			       c == '\n'
				   ? "'\"' before the end of the line (strings cannot span lines)"
				   : "no control character inside a string (escape it)");
			break;
		}
		take(p);
		escape(p);
	}
	p->str[p->slen] = '\0';
}

static bool is_delim(int c)
{
	return c < 0 || c == ',' || c == ']' || c == '}' || c == ' ' || c == '\t' || c == '\n' ||
	       c == '\r';
}

static void digits(struct jp *p, const char *what)
{
	int c = peek(p);

	if (c < '0' || c > '9') {
		syntax(p, what);
		return;
	}
	while ((c = peek(p)) >= '0' && c <= '9')
		take(p);
}

static void number(struct jp *p)
{
	int c;

	if (peek(p) == '-')
		take(p);
	c = peek(p);
	if (c == '0')
		take(p);
	else
		digits(p, "a digit");
	if (peek(p) == '.') {
		take(p);
		digits(p, "a digit after '.'");
	}
	c = peek(p);
	if (c == 'e' || c == 'E') {
		take(p);
		c = peek(p);
		if (c == '+' || c == '-')
			take(p);
		digits(p, "a digit in the exponent");
	}
	if (!is_delim(peek(p)))
		syntax(p, "',', ']' or '}' after a number");
}

static void literal(struct jp *p, const char *word)
{
	for (const char *w = word; *w; w++) {
		if (peek(p) != *w) {
			syntax(p, "a value (string, number, object, array, true, false or null)");
			return;
		}
		take(p);
	}
	if (!is_delim(peek(p)))
		syntax(p, "',', ']' or '}' after a value");
}

static void skip_value(struct jp *p);

/* At an object's member: its name (string()) and the ':' after it; the line
 * the name starts on in *line (when not NULL).  false after a syntax error. */
static bool member_name(struct jp *p, unsigned long *line)
{
	if (skip_ws(p) != '"') {
		syntax(p, "a string (member name)");
		return false;
	}
	if (line)
		*line = p->line;
	string(p);
	if (skip_ws(p) != ':') {
		syntax(p, "':' after the member name");
		return false;
	}
	take(p);
	return true;
}

/* After '[' or '{' was taken: walks the members, calling nothing. */
static void skip_container(struct jp *p, int close)
{
	int c = skip_ws(p);

	if (c == close) {
		take(p);
		return;
	}
	for (;;) {
		if (close == '}' && !member_name(p, NULL))
			return;
		skip_value(p);
		if (p->rc || !next_element(p, (char)close))
			return;
	}
}

static void skip_value(struct jp *p)
{
	int c = skip_ws(p);

	switch (c) {
	case '"':
		string(p);
		break;
	case '{':
	case '[':
		if (!enter(p))
			return;
		take(p);
		skip_container(p, c == '{' ? '}' : ']');
		p->depth--;
		break;
	case 't':
		literal(p, "true");
		break;
	case 'f':
		literal(p, "false");
		break;
	case 'n':
		literal(p, "null");
		break;
	default:
		if (c == '-' || (c >= '0' && c <= '9'))
			number(p);
		else
			syntax(p, "a value (string, number, object, array, true, false or null)");
		break;
	}
}

/* --- address fields ------------------------------------------------------- */

/* Priority of a member name as the address field (0 best), -1 if it is none.
 * Punctuation and case are ignored: "E-Mail", "email_address", "emailAddress".
 * After these, a table's address column names in any language ("メールアドレス",
 * "courriel", "이메일": bg_table_name_rank's first rank); then its account and
 * login names ("account", "user", "login", "ユーザーID"), which count only for a
 * value that holds an address (WEAK_PRIO: {"user": "taro@x.jp"} of a dump,
 * never {"user": "taro"}). */
/* field_prio's first priority of the names that are an address field only when
 * the value holds one. */
#define WEAK_PRIO 10

static int field_prio(const struct jp *p, const char *name, size_t len)
{
	static const char *const names[] = {
	    "email",  "emailaddress",	"mail",	   "mailaddress", "emailaddr",
	    "emails", "emailaddresses", "address", "addresses",	  NULL};
	enum { NAMES = sizeof(names) / sizeof(names[0]) - 1 };
	_Static_assert(NAMES + 1 == WEAK_PRIO, "the weak names follow the table's first rank");
	char k[32];
	size_t n = 0;

	if (p->c->opts.field)
		return strlen(p->c->opts.field) == len &&
			       strncasecmp(p->c->opts.field, name, len) == 0
			   ? 0
			   : -1;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (c == '-' || c == '_' || c == ' ' || c == '.')
			continue;
		if (n + 1 >= sizeof(k))
			break;
		k[n++] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
	}
	k[n] = '\0';
	for (int i = 0; names[i]; i++)
		if (strcmp(k, names[i]) == 0)
			return i;
	switch (bg_table_name_rank(name, len)) {
	case 1:
		return NAMES;
	case 2:
		return NAMES + 1;
	case 3:
		return NAMES + 2;
	default:
		return -1;
	}
}

/* Another field of the record than the one read holds an address: said
 * once a record, after its address (emit_best), with the field's name. */
static void other_field(struct jp *p, const char *name, size_t n)
{
	if (p->others++ == 0) {
		p->other_nlen = n < sizeof(p->other_name) ? n : sizeof(p->other_name) - 1;
		memcpy(p->other_name, name, p->other_nlen);
	}
}

static void cand_reset(struct cand *c)
{
	c->len = 0;
	c->score = INT32_MAX;
	c->overflow = false;
}

static void cand_add(struct cand *c, const char *s, size_t n, unsigned flags)
{
	uint32_t l = (uint32_t)n;

	if (c->len + 5 + n > JSON_CAND_MAX) {
		c->overflow = true;
		return;
	}
	memcpy(c->buf + c->len, &l, 4);
	c->buf[c->len + 4] = (char)flags;
	memcpy(c->buf + c->len + 5, s, n);
	c->len += 5 + n;
}

/* Value of an address field: a string, or an array of strings, into p->tmp;
 * weak: only strings that may hold an address (bg_addr_maybe). */
static void field_value(struct jp *p, int score, bool weak, const char *name, size_t nlen)
{
	int c = skip_ws(p);

	cand_reset(&p->tmp);
	if (c == '"') {
		string(p);
		if (!weak || bg_addr_maybe(p->str, p->slen))
			cand_add(&p->tmp, p->str, p->slen, p->sflags);
	} else if (c == '[') {
		if (!enter(p))
			return;
		take(p);
		c = skip_ws(p);
		if (c == ']')
			take(p);
		else
			for (;;) {
				if (skip_ws(p) == '"') {
					string(p);
					if (!weak || bg_addr_maybe(p->str, p->slen))
						cand_add(&p->tmp, p->str, p->slen, p->sflags);
				} else {
					skip_value(p);
				}
				if (p->rc)
					break;
				if (!next_element(p, ']'))
					break;
			}
		p->depth--;
	} else {
		skip_value(p);
	}
	if ((p->tmp.len || p->tmp.overflow) && score == p->best.score) {
		/* The same member again ({"email": a, "email": b}): both count, as
		 * a list's entries would, never only the last. */
		if (p->best.len + p->tmp.len > JSON_CAND_MAX) {
			p->best.overflow = true;
		} else {
			memcpy(p->best.buf + p->best.len, p->tmp.buf, p->tmp.len);
			p->best.len += p->tmp.len;
		}
		p->best.overflow |= p->tmp.overflow;
	} else if (p->tmp.len || p->tmp.overflow) {
		struct cand t = p->best;

		if (t.len)
			other_field(p, p->best_name, p->best_nlen);
		p->best = p->tmp;
		p->best.score = score;
		p->tmp = t;
		p->best_nlen = nlen < sizeof(p->best_name) ? nlen : sizeof(p->best_name) - 1;
		memcpy(p->best_name, name, p->best_nlen);
	}
}

static void record_object(struct jp *p, int level);

/* One member of an object, when the address field is being looked for. */
static void object_member(struct jp *p, int level)
{
	int prio = field_prio(p, p->str, p->slen);
	int score = level * 16 + prio;
	char name[64];
	size_t nlen = p->slen < sizeof(name) ? p->slen : sizeof(name) - 1;
	int c;

	memcpy(name, p->str, nlen);
	c = skip_ws(p);
	if (prio >= 0 && score <= p->best.score && (c == '"' || c == '['))
		field_value(p, score, prio >= WEAK_PRIO, name, nlen);
	else if (c == '{' && level < JSON_DEPTH_MAX)
		record_object(p, level + 1);
	else if (c == '"') {
		/* "backup_email", "password_reset_email": said, not read; a
		 * password's or a message id's never */
		string(p);
		if (!p->rc && memchr(p->str, '@', p->slen) && bg_addr_maybe(p->str, p->slen) &&
		    !bg_password_name(name, nlen) && !bg_msgid_name(name, nlen))
			other_field(p, name, nlen);
	} else
		skip_value(p);
}

/* At '{' of an object that is one record (or inside one). */
static void record_object(struct jp *p, int level)
{
	int c;

	if (!enter(p))
		return;
	take(p);
	c = skip_ws(p);
	if (c == '}') {
		take(p);
		p->depth--;
		return;
	}
	for (;;) {
		if (!member_name(p, NULL))
			break;
		object_member(p, level);
		if (p->rc)
			break;
		if (!next_element(p, '}'))
			break;
	}
	p->depth--;
}

static void emit(struct jp *p, const char *s, size_t n, unsigned flags, unsigned long line)
{
	int r;

	if (p->rc)
		return;
	if (flags & STR_CUT) {
		bg_reader_note(p->c, line, "string longer than 64 KiB", s, n > 80 ? 80 : n);
		return;
	}
	if (flags & STR_NUL) {
		bg_reader_note(p->c, line, "string holds a NUL character", s, strnlen(s, n));
		return;
	}
	if (n == 0) {
		bg_reader_note(p->c, line, "empty string", "", 0);
		return;
	}
	/* A string with several addresses is split like a CSV cell. */
	r = bg_addr_scan(p->tok, s, n, line);
	if (r < 0)
		p->rc = r;
	else if (r == 0)
		bg_reader_note(p->c, line, "no address in the string", s, n > 80 ? 80 : n);
}

static void emit_best(struct jp *p, unsigned long line)
{
	for (size_t i = 0; i < p->best.len && !p->rc;) {
		uint32_t l;

		memcpy(&l, p->best.buf + i, 4);
		emit(p, p->best.buf + i + 5, l, (unsigned char)p->best.buf[i + 4], line);
		i += 5 + l;
	}
	if (p->others && !p->rc)
		bg_reader_note(p->c, line,
			       p->others == 1
				   ? "another field of the record holds an address, not "
				     "imported (--field chooses the one read)"
				   : "other fields of the record hold addresses, not "
				     "imported (--field chooses the one read); the first",
			       p->other_name, p->other_nlen);
	if (p->best.overflow && !p->rc)
		bg_reader_note(p->c, line,
			       "more than 128 KiB of addresses in one field; the rest skipped",
			       p->excerpt, p->exlen);
}

/* One element of a list of records.  first_string: the element was a string
 * already read into p->str (the caller needed it to tell the shape). */
static void record_element(struct jp *p, bool first_string, unsigned long line)
{
	int c;

	if (first_string) {
		p->c->sink->record(p->c->sink);
		emit(p, p->str, p->slen, p->sflags, line);
		return;
	}
	c = skip_ws(p);
	line = p->line;
	start_capture(p);
	if (c == '"') {
		string(p);
		p->capture = false;
		if (p->rc)
			return;
		p->c->sink->record(p->c->sink);
		emit(p, p->str, p->slen, p->sflags, line);
		return;
	}
	if (c == '{') {
		cand_reset(&p->best);
		p->others = 0;
		record_object(p, 0);
		p->capture = false;
		if (p->rc)
			return;
		p->c->sink->record(p->c->sink);
		if (p->best.len || p->best.overflow)
			emit_best(p, line);
		else
			note_masked(p, line, "object holds no address field");
		return;
	}
	skip_value(p);
	p->capture = false;
	if (p->rc)
		return;
	p->c->sink->record(p->c->sink);
	note_masked(p, line, c == '[' ? "an array, not an address or an object" : "not an address");
}

/* After '[' (and, with first_string, its first element in p->str). */
static void records_loop(struct jp *p, bool first_string, unsigned long first_line)
{
	if (first_string) {
		record_element(p, true, first_line);
	} else {
		if (skip_ws(p) == ']') {
			take(p);
			return;
		}
		record_element(p, false, 0);
	}
	while (!p->rc && next_element(p, ']'))
		record_element(p, false, 0);
}

/* --- Have I Been Pwned domain search -------------------------------------- */

static void note_breach(struct jp *p, const char *s, size_t n)
{
	/* Remember a few names for the "no alias lists that breach" error. */
	if (n == 0 || memchr(s, '\0', n))
		return;
	for (const char *q = p->seen; q < p->seen + p->seenlen;) {
		size_t l = strcspn(q, ",");

		if (l == n && strncasecmp(q, s, n) == 0)
			return;
		q += l + (q[l] == ',' ? 1 : 0);
	}
	if (n > 40 || p->seenlen + n + 2 >= sizeof(p->seen)) {
		p->seen_more = true;
		return;
	}
	if (p->seenlen)
		p->seen[p->seenlen++] = ',';
	memcpy(p->seen + p->seenlen, s, n);
	p->seenlen += n;
	p->seen[p->seenlen] = '\0';
}

static bool breach_is(const struct jp *p, const char *s, size_t n)
{
	const char *b = p->c->opts.breach;

	return b && strlen(b) == n && strncasecmp(b, s, n) == 0;
}

static void hibp_breach(struct jp *p, bool *listed)
{
	if (skip_ws(p) != '"') {
		skip_value(p);
		return;
	}
	string(p);
	note_breach(p, p->str, p->slen);
	*listed |= breach_is(p, p->str, p->slen);
}

static void hibp_emit(struct jp *p, unsigned long line)
{
	const char *d = p->c->opts.domain;
	size_t dl = d ? strlen(d) : 0;
	char *a = p->str; /* free now: the breach names are done with */

	p->breach_matched = true;
	if (p->kflags || p->klen == 0) {
		bg_reader_note(p->c, line,
			       p->klen == 0 ? "empty alias" : "alias too long or holding a NUL",
			       p->key, strnlen(p->key, p->klen > 80 ? 80 : p->klen));
		return;
	}
	/* Some services key the same map by whole addresses. */
	if (bg_addr_maybe(p->key, p->klen)) {
		emit(p, p->key, p->klen, 0, line);
		return;
	}
	if (!dl) {
		bg_reader_note(p->c, line, "alias without a domain (give --domain)", p->key,
			       p->klen);
		return;
	}
	if (p->klen + 1 + dl > JSON_STR_MAX) {
		bg_reader_note(p->c, line, "alias too long", p->key, p->klen > 80 ? 80 : p->klen);
		return;
	}
	memcpy(a, p->key, p->klen);
	a[p->klen] = '@';
	memcpy(a + p->klen + 1, d, dl);
	emit(p, a, p->klen + 1 + dl, 0, line);
}

/* After '[' of one alias's breach list (alias in p->key); first_string: its
 * first element is in p->str already. */
static void hibp_alias(struct jp *p, bool first_string, unsigned long line)
{
	bool listed = !p->c->opts.breach;

	if (first_string) {
		note_breach(p, p->str, p->slen);
		listed |= breach_is(p, p->str, p->slen);
	} else if (skip_ws(p) == ']') {
		take(p);
		goto done;
	} else {
		hibp_breach(p, &listed);
	}
	while (!p->rc && next_element(p, ']'))
		hibp_breach(p, &listed);
done:
	if (p->rc)
		return;
	p->aliases++;
	p->c->sink->record(p->c->sink);
	if (listed)
		hibp_emit(p, line);
}

/* --- top level ------------------------------------------------------------- */

static bool wrapper_name(const char *k, size_t n)
{
	static const char *const names[] = {
	    "data",	 "results",  "result",	   "items",    "records", "entries", "users",
	    "accounts",	 "members",  "rows",	   "list",     "value",	  "hits",    "emails",
	    "addresses", "contacts", "recipients", "breached", NULL};

	for (int i = 0; names[i]; i++)
		if (strlen(names[i]) == n && strncasecmp(names[i], k, n) == 0)
			return true;
	return false;
}

enum shape { SHAPE_NONE, SHAPE_RECORDS, SHAPE_HIBP };

static void keep_key(struct jp *p)
{
	memcpy(p->key, p->str, p->slen + 1);
	p->klen = p->slen;
	p->kflags = p->sflags;
}

/* After one element of an array that is not wanted: skips the rest. */
static void skip_array_rest(struct jp *p)
{
	if (next_element(p, ']'))
		skip_container(p, ']');
}

static enum shape no_domain(struct jp *p)
{
	p->rc = bg_err_set(&p->c->err, -EINVAL,
			   "%s: this looks like a domain search result (alias -> breaches); give "
			   "the domain with --domain",
			   p->c->name);
	return SHAPE_NONE;
}

/* At '[' as the value of member p->str of an object above the records: the
 * list of records, a domain search alias (may_hibp: the first member at the top),
 * or something else (tags, numbers) to skip. */
static enum shape top_array(struct jp *p, bool may_hibp, unsigned long mline)
{
	bool wrap = wrapper_name(p->str, p->slen);
	enum shape shape = SHAPE_NONE;
	unsigned long eline;
	int c;

	keep_key(p);
	if (!enter(p))
		return SHAPE_NONE;
	take(p);
	c = skip_ws(p);
	eline = p->line;
	if (c == '"') {
		string(p);
		if (p->rc)
			return SHAPE_NONE;
		if (wrap || bg_addr_maybe(p->str, p->slen)) {
			shape = SHAPE_RECORDS;
			records_loop(p, true, eline);
		} else if (may_hibp) {
			if ((!p->c->opts.domain || !*p->c->opts.domain) &&
			    !bg_addr_maybe(p->key, p->klen))
				return no_domain(p);
			shape = SHAPE_HIBP;
			hibp_alias(p, true, mline);
		} else {
			skip_array_rest(p);
		}
	} else if (c == '{' || wrap) {
		shape = SHAPE_RECORDS;
		records_loop(p, false, 0);
	} else if (c == ']') {
		take(p);
	} else {
		skip_value(p);
		skip_array_rest(p);
	}
	p->depth--;
	return shape;
}

/* At '{' of an object above the records: it may wrap the list, be a domain
 * search result (level 0 only; the same map keyed by whole addresses is taken
 * too), or be one record itself. */
static enum shape top_object(struct jp *p, int level)
{
	enum shape shape = SHAPE_NONE;
	unsigned long obj_line = p->line;
	bool first = true, any = false;
	int c;

	if (!enter(p))
		return SHAPE_NONE;
	take(p);
	if (skip_ws(p) == '}') {
		take(p);
		goto out;
	}
	for (;;) {
		unsigned long mline;

		if (!member_name(p, &mline))
			break;
		any = true;
		c = skip_ws(p);
		if (shape == SHAPE_HIBP) {
			keep_key(p);
			if (c == '[') {
				if (!enter(p))
					break;
				take(p);
				hibp_alias(p, false, mline);
				p->depth--;
			} else {
				skip_value(p);
				if (p->rc)
					break;
				p->c->sink->record(p->c->sink);
				bg_reader_note(p->c, mline, "alias without a list of breaches",
					       p->key, strnlen(p->key, p->klen));
			}
		} else if (c == '[' && shape == SHAPE_NONE) {
			shape = top_array(p, level == 0 && first, mline);
		} else if (c == '{' && shape == SHAPE_NONE && level < JSON_WRAP_LEVELS) {
			if (top_object(p, level + 1) == SHAPE_RECORDS)
				shape = SHAPE_RECORDS;
		} else if (shape == SHAPE_NONE) {
			object_member(p, level);
		} else {
			skip_value(p);
		}
		first = false;
		if (p->rc)
			break;
		if (!next_element(p, '}'))
			break;
	}
out:
	p->depth--;
	if (p->rc || level > 0 || shape != SHAPE_NONE || !any)
		return shape;
	/* One object on its own (or one a line): a single record. */
	p->capture = false;
	p->c->sink->record(p->c->sink);
	if (p->best.len || p->best.overflow)
		emit_best(p, obj_line);
	else
		note_masked(p, obj_line, "object holds no address field and no list of addresses");
	return shape;
}

static void document(struct jp *p)
{
	unsigned values = 0;

	for (;;) {
		int c = skip_ws(p);
		unsigned long line = p->line;

		if (p->rc)
			return;
		if (c < 0)
			break;
		values++;
		if (c == '[') {
			if (!enter(p))
				return;
			take(p);
			records_loop(p, false, 0);
			p->depth--;
		} else if (c == '{') {
			cand_reset(&p->best);
			p->others = 0;
			start_capture(p);
			if (top_object(p, 0) == SHAPE_HIBP && !p->rc && p->c->opts.breach &&
			    !p->breach_matched && p->aliases) {
				p->rc = bg_err_set(
				    &p->c->err, -EINVAL,
				    "%s: no alias lists the breach \"%s\" (breaches seen: %s%s)",
				    p->c->name, p->c->opts.breach, p->seen,
				    p->seen_more ? ", ..." : "");
			}
			p->capture = false;
		} else if (c == '"' && values > 1) {
			/* JSON Lines of strings */
			record_element(p, false, line);
		} else {
			syntax(p, values > 1 ? "the end of the file, '[' or '{'" : "'[' or '{'");
		}
	}
	if (values == 0 && !p->rc)
		syntax(p, "'[' or '{' (the file holds no JSON value)");
}

static int json_read(struct bg_reader_ctx *c)
{
	struct jp p = {0};
	int rc;

	p.c = c;
	p.line = 1;
	p.col = 1;
	p.buf = malloc(JSON_CHUNK);
	p.str = malloc(JSON_STR_MAX + 1);
	p.key = malloc(JSON_STR_MAX + 1);
	p.best.buf = malloc(JSON_CAND_MAX);
	p.tmp.buf = malloc(JSON_CAND_MAX);
	if (!p.buf || !p.str || !p.key || !p.best.buf || !p.tmp.buf ||
	    bg_addrtok_new(&p.tok, c->sink) != 0) {
		rc = bg_err_set(&c->err, -ENOMEM, "%s: out of memory", c->name);
		goto out;
	}
	cand_reset(&p.best);
	cand_reset(&p.tmp);
	document(&p);
	rc = p.rc;
out:
	free(p.buf);
	free(p.str);
	free(p.key);
	free(p.best.buf);
	free(p.tmp.buf);
	bg_addrtok_free(p.tok);
	return rc;
}

/* Whether the head is JSON: one value or several (JSON Lines), syntax checked
 * as far as the head goes (a head cut by the peek limit may end inside one).
 * Pretty-printed JSON and JSON Lines look like CSV rows to the CSV probe; this
 * is what tells them apart. */
static bool head_is_json(const char *h, size_t len)
{
	enum { V, KEY, COLON, NEXT } want = V; /* a value, a member name, ':', ',' or closer */
	char stack[JSON_DEPTH_MAX];
	int depth = 0, values = 0;
	size_t i = 0;

	while (i < len) {
		unsigned char c = (unsigned char)h[i];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			i++;
			continue;
		}
		if (want == NEXT) {
			if (depth == 0) { /* JSON Lines: the next value */
				want = V;
				continue;
			}
			if (c == ',') {
				want = stack[depth - 1] == '{' ? KEY : V;
				i++;
				continue;
			}
			if ((c == '}' && stack[depth - 1] == '{') ||
			    (c == ']' && stack[depth - 1] == '[')) {
				depth--;
				i++;
				continue;
			}
			return false;
		}
		if (want == COLON) {
			if (c != ':')
				return false;
			want = V;
			i++;
			continue;
		}
		if (c == '"') {
			for (i++; i < len && h[i] != '"'; i++) {
				if ((unsigned char)h[i] < 0x20)
					return false;
				if (h[i] == '\\')
					i++;
			}
			if (i >= len)
				return values > 0 || depth > 0; /* cut by the head */
			i++;
			want = want == KEY ? COLON : NEXT;
			if (depth == 0)
				values++;
			continue;
		}
		if (want == KEY) {
			if (c == '}' && depth > 0 && stack[depth - 1] == '{') {
				depth--;
				want = NEXT;
				i++;
				continue;
			}
			return false;
		}
		/* want == V */
		if (c == '{' || c == '[') {
			if (depth == JSON_DEPTH_MAX)
				return false;
			stack[depth++] = (char)c;
			if (depth == 1)
				values++;
			want = c == '{' ? KEY : V;
			i++;
			continue;
		}
		if (c == ']' && depth > 0 && stack[depth - 1] == '[') {
			depth--;
			want = NEXT;
			i++;
			continue;
		}
		if (c == '-' || (c >= '0' && c <= '9') || c == 't' || c == 'f' || c == 'n') {
			if (depth == 0)
				return false; /* a bare scalar at the top is no advisory */
			while (i < len && h[i] != ',' && h[i] != ']' && h[i] != '}' &&
			       h[i] != ' ' && h[i] != '\n' && h[i] != '\r' && h[i] != '\t')
				i++;
			want = NEXT;
			continue;
		}
		return false;
	}
	return values > 0;
}

/* Whether h (at '[' or '{') opens as JSON does: a member name, a nested
 * value or a string first, or the closer of an empty one. */
static bool json_opening(const char *h, size_t len)
{
	size_t i = 1;

	while (i < len && (h[i] == ' ' || h[i] == '\t' || h[i] == '\n' || h[i] == '\r'))
		i++;
	if (i == len)
		return true;
	return h[i] == '"' || h[i] == '{' || h[i] == '[' || h[i] == (h[0] == '[' ? ']' : '}');
}

static bool name_ends(const char *path, size_t pl, const char *ext)
{
	size_t el = strlen(ext);

	if (pl < el)
		return false;
	for (size_t i = 0; i < el; i++) {
		char c = path[pl - el + i];

		if ((c >= 'A' && c <= 'Z' ? c + 32 : c) != ext[i])
			return false;
	}
	return true;
}

static int json_probe(const char *head, size_t len, const char *path)
{
	size_t i = 0, pl = path ? strlen(path) : 0;
	bool named = false;
	static const char *const exts[] = {".json",	".json.gz", ".jsonl",
					   ".jsonl.gz", ".ndjson",  ".ndjson.gz"};

	for (size_t k = 0; k < sizeof(exts) / sizeof(exts[0]); k++)
		named |= name_ends(path ? path : "", pl, exts[k]);
	while (i < len && (head[i] == ' ' || head[i] == '\t' || head[i] == '\n' || head[i] == '\r'))
		i++;
	if (i < len && (head[i] == '[' || head[i] == '{')) {
		if (named)
			return 100;
		/* Valid JSON (pretty-printed, or JSON Lines) beats CSV's 90. */
		if (head_is_json(head + i, len - i))
			return 95;
		/* Broken JSON is still said to be so; a log's "[2021-05-26 10:00]"
		 * or an INI file's "[accounts]" is text. */
		return json_opening(head + i, len - i) ? 90 : 0;
	}
	return named ? 70 : 0;
}

const struct bg_reader bg_reader_json = {"json", json_probe, json_read};
