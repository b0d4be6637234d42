/* read_csv.c: the CSV reader (RFC 4180 plus what spreadsheets really write: ';'
 * or TAB delimiters, a "sep=" line, a header in any language, stray quotes).  The
 * delimiter, the header and the address column are decided from the peeked head;
 * the rows are then streamed line by line, one record in a bounded buffer. */
#include "reader.h"

#include "addrtok.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HEAD_MAX (64 * 1024)
#define CSV_REC_MAX (BG_LINE_MAX * 4)
#define CSV_FIELDS_MAX 1024
#define SNIFF_RECORDS 20
#define SHOWN_MAX 200

struct csv_parser {
	char delim;
	char *buf;
	size_t cap, len;
	size_t off[CSV_FIELDS_MAX], flen[CSV_FIELDS_MAX];
	size_t nfields; /* every field seen; only the first CSV_FIELDS_MAX are kept */
	size_t cur_off;
	bool cur_text; /* the current field has text (or was quoted) */
	bool in_quotes, quote_seen;
	bool overflow;
	unsigned long line, quote_line;
};

static void field_start(struct csv_parser *p)
{
	p->cur_off = p->len;
	p->cur_text = false;
}

static void record_start(struct csv_parser *p)
{
	p->len = 0;
	p->nfields = 0;
	p->overflow = false;
	p->in_quotes = p->quote_seen = false;
	field_start(p);
}

static void field_end(struct csv_parser *p)
{
	if (p->nfields < CSV_FIELDS_MAX) {
		p->off[p->nfields] = p->cur_off;
		p->flen[p->nfields] = p->len - p->cur_off;
	}
	p->nfields++;
}

static void add_char(struct csv_parser *p, char c)
{
	/* Columns past the kept ones are never looked at: do not spend room. */
	if (p->nfields >= CSV_FIELDS_MAX)
		return;
	if (p->len >= p->cap) {
		p->overflow = true;
		return;
	}
	p->buf[p->len++] = c;
}

static void feed(struct csv_parser *p, const char *s, size_t n)
{
	size_t i;
	char c;

	for (i = 0; i < n; i++) {
		c = s[i];
		if (p->in_quotes) {
			if (p->quote_seen) {
				p->quote_seen = false;
				if (c == '"') {
					add_char(p, '"');
					continue;
				}
				p->in_quotes = false; /* closed: c is read unquoted below */
			} else if (c == '"') {
				p->quote_seen = true;
				continue;
			} else {
				add_char(p, c);
				continue;
			}
		}
		if (c == p->delim) {
			field_end(p);
			field_start(p);
		} else if (c == '"' && !p->cur_text) {
			/* Hand-edited files put blanks before the quote: drop them. */
			p->len = p->cur_off < p->len ? p->cur_off : p->len;
			p->in_quotes = true;
			p->cur_text = true;
			p->quote_line = p->line;
		} else {
			if (c != ' ' && c != '\t')
				p->cur_text = true;
			add_char(p, c);
		}
	}
}

/* The end of a physical line: true when it ends the record too. */
static bool line_end(struct csv_parser *p)
{
	if (p->in_quotes && p->quote_seen) {
		p->in_quotes = p->quote_seen = false;
	} else if (p->in_quotes) {
		add_char(p, '\n');
		return false;
	}
	field_end(p);
	return true;
}

static size_t kept(const struct csv_parser *p)
{
	return p->nfields < CSV_FIELDS_MAX ? p->nfields : CSV_FIELDS_MAX;
}

static const char *trimmed(const struct csv_parser *p, size_t f, size_t *len)
{
	const char *s = p->buf + p->off[f];
	size_t n = p->flen[f];

	while (n > 0 && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	*len = n;
	return s;
}

static bool record_blank(const struct csv_parser *p)
{
	size_t f, n;

	for (f = 0; f < kept(p); f++) {
		trimmed(p, f, &n);
		if (n)
			return false;
	}
	return true;
}

static bool field_has_at(const struct csv_parser *p, size_t f)
{
	return memchr(p->buf + p->off[f], '@', p->flen[f]) != NULL;
}

/* A cell that is nothing but an address: '@' and no blank or list separator. */
static bool field_clean_at(const struct csv_parser *p, size_t f)
{
	size_t n, i;
	const char *s = trimmed(p, f, &n);

	if (!n || !memchr(s, '@', n))
		return false;
	for (i = 0; i < n; i++) {
		if (isspace((unsigned char)s[i]) || strchr(",;|", s[i]))
			return false;
	}
	return true;
}

/* --- the head ------------------------------------------------------------ */

/* Splits the head like bg_input does (LF, CRLF, CR); returns false at the end. */
static bool head_line(const char *h, size_t len, size_t *pos, const char **s, size_t *n)
{
	size_t i = *pos;

	if (i >= len)
		return false;
	*s = h + i;
	while (i < len && h[i] != '\n' && h[i] != '\r')
		i++;
	*n = i - *pos;
	if (i < len && h[i] == '\r' && i + 1 < len && h[i + 1] == '\n')
		i++;
	*pos = i + 1;
	return true;
}

/* An Excel "sep=;" first line names the delimiter. */
static bool sep_line(const char *s, size_t n, char *delim)
{
	if (n == 5 && strncasecmp(s, "sep=", 4) == 0 && s[4] != '"') {
		*delim = s[4];
		return true;
	}
	return false;
}

struct head_stats {
	unsigned nrec;
	size_t nf[SNIFF_RECORDS];
	unsigned clean_at;
	bool first_has_at, later_has_at;
	long first_at_col; /* first column with an '@' in the first record holding one */
	bool at_later[CSV_FIELDS_MAX];
};

/* Parses up to max non-blank records of the head with p->delim; p keeps the
 * last one.  complete: the head is the whole input (a cut record still counts). */
static void head_parse(struct csv_parser *p, const char *h, size_t len, bool complete, unsigned max,
		       struct head_stats *st)
{
	size_t pos = 0, n, f;
	const char *s;
	char d;

	memset(st, 0, sizeof(*st));
	st->first_at_col = -1;
	p->line = 0;
	record_start(p);
	while (st->nrec < max && head_line(h, len, &pos, &s, &n)) {
		p->line++;
		if (p->line == 1 && sep_line(s, n, &d))
			continue;
		feed(p, s, n);
		if (pos >= len && !complete)
			break; /* the head may have cut this line */
		if (!line_end(p))
			continue;
		if (!record_blank(p)) {
			if (st->nrec < SNIFF_RECORDS)
				st->nf[st->nrec] = p->nfields;
			for (f = 0; f < kept(p); f++) {
				if (!field_has_at(p, f))
					continue;
				if (st->nrec == 0)
					st->first_has_at = true;
				else
					st->later_has_at = st->at_later[f] = true;
				if (st->first_at_col < 0)
					st->first_at_col = (long)f;
			}
			for (f = 0; f < kept(p); f++) {
				if (field_clean_at(p, f)) {
					st->clean_at++;
					break;
				}
			}
			st->nrec++;
			if (st->nrec == max)
				return;
		}
		record_start(p);
	}
}

static int delim_score(const struct head_stats *st)
{
	unsigned i, j, same, best_same = 0;
	size_t mode = 1;

	for (i = 0; i < st->nrec && i < SNIFF_RECORDS; i++) {
		same = 0;
		for (j = 0; j < st->nrec && j < SNIFF_RECORDS; j++)
			same += st->nf[j] == st->nf[i];
		if (same > best_same || (same == best_same && st->nf[i] > mode)) {
			best_same = same;
			mode = st->nf[i];
		}
	}
	if (mode < 2)
		return (int)st->clean_at * 50;
	return (int)best_same * 100 + (int)st->clean_at * 50 + (int)(mode < 20 ? mode : 20);
}

static bool has_suffix(const char *path, const char *suffix)
{
	size_t n = strlen(path), m = strlen(suffix);

	return n >= m && strcasecmp(path + n - m, suffix) == 0;
}

static bool tab_named(const char *path)
{
	return has_suffix(path, ".tsv") || has_suffix(path, ".tab") || has_suffix(path, ".tsv.gz");
}

/* Picks the delimiter; returns the winner's score for the probe. */
static int sniff(struct csv_parser *p, const char *h, size_t len, bool complete, const char *path,
		 char *delim)
{
	static const char cands[] = {',', ';', '\t', '|'};
	struct head_stats *st;
	size_t pos = 0, n, i;
	const char *s;
	int score, best = -1;

	*delim = ',';
	if (head_line(h, len, &pos, &s, &n) && sep_line(s, n, delim))
		return 1000;
	st = malloc(sizeof(*st));
	if (!st)
		return 0;
	for (i = 0; i < sizeof(cands); i++) {
		p->delim = cands[i];
		head_parse(p, h, len, complete, SNIFF_RECORDS, st);
		score = delim_score(st);
		if (cands[i] == '\t' && tab_named(path))
			score += 1000;
		if (score > best) {
			best = score;
			*delim = cands[i];
		}
	}
	free(st);
	return best;
}

static int csv_probe(const char *head, size_t len, const char *path)
{
	struct csv_parser *p;
	char delim;
	int score, ret = 0;

	if (tab_named(path))
		return 85;
	if (has_suffix(path, ".csv") || has_suffix(path, ".csv.gz"))
		return 80;
	p = calloc(1, sizeof(*p));
	if (!p)
		return 0;
	p->cap = len + 16;
	p->buf = malloc(p->cap);
	if (!p->buf)
		goto out;
	score = sniff(p, head, len, len < HEAD_MAX, path, &delim);
	/* Two or more consistent rows of two or more columns. */
	if (score >= 1000)
		ret = 90;
	else if (score >= 250)
		ret = score % 100 >= 50 || score >= 400 ? 70 : 60;
	else if (score >= 200)
		ret = 20;
out:
	if (p)
		free(p->buf);
	free(p);
	return ret;
}

/* --- header and column --------------------------------------------------- */

/* Lower-case ASCII without blanks, '-', '_' and '.': "E-Mail Address" -> "emailaddress". */
static void squash(const char *s, size_t n, char *out, size_t outlen)
{
	size_t i, o = 0;

	for (i = 0; i < n && o + 1 < outlen; i++) {
		if (isspace((unsigned char)s[i]) || s[i] == '-' || s[i] == '_' || s[i] == '.')
			continue;
		out[o++] = (char)tolower((unsigned char)s[i]);
	}
	out[o] = '\0';
}

/* 0 = not an address column name; lower is better. */
static int name_rank(const char *s, size_t n)
{
	static const char *const rank1[] = {
	    "email",
	    "mail",
	    "emailaddress",
	    "mailaddress",
	    "emails",
	    "emailid",
	    "courriel",
	    "adressecourriel",
	    "adresseemail",
	    "adressemail",
	    "emailadresse",
	    "mailadresse",
	    "correo",
	    "correoelectronico",
	    "correoelectrónico",
	    "epost",
	    "epostadresse",
	    "smtpaddress",
	    "primarysmtpaddress",
	    "userprincipalname",
	    "upn",
	};
	static const char *const rank2[] = {"address", "adresse", "account", "accountname",
					    "mailbox"};
	static const char *const rank3[] = {"login",	    "user",	   "username",
					    "userid",	    "loginname",   "benutzer",
					    "benutzername", "utilisateur", "identifiant"};
	char sq[64];
	size_t i;

	if (n >= sizeof(sq))
		return 0;
	squash(s, n, sq, sizeof(sq));
	for (i = 0; i < sizeof(rank1) / sizeof(rank1[0]); i++)
		if (strcmp(sq, rank1[i]) == 0)
			return 1;
	for (i = 0; i < sizeof(rank2) / sizeof(rank2[0]); i++)
		if (strcmp(sq, rank2[i]) == 0)
			return 2;
	for (i = 0; i < sizeof(rank3) / sizeof(rank3[0]); i++)
		if (strcmp(sq, rank3[i]) == 0)
			return 3;
	return 0;
}

struct csv_state {
	struct csv_parser *p;
	struct bg_sink *sink;
	struct bg_addrtok *tok;
	bool header;
	size_t col;
	char why[128];
	char shown[SHOWN_MAX];
	size_t shown_len;
	unsigned rec_flags;
	unsigned long rec_line;
};

static void header_list(const struct csv_parser *p, char *out, size_t outlen)
{
	size_t f, n, o = 0;
	const char *s;
	int w;

	out[0] = '\0';
	for (f = 0; f < kept(p) && o + 1 < outlen; f++) {
		s = trimmed(p, f, &n);
		w = snprintf(out + o, outlen - o, "%s\"%.*s\"", f ? ", " : "",
			     (int)(n < 60 ? n : 60), s);
		if (w < 0)
			break;
		o += (size_t)w;
	}
}

/* Decides the header and the address column from the head's first record (p, the
 * head parser stopped there) and the stats of the records after it. */
static int choose_column(struct csv_state *cs, const struct csv_parser *p,
			 const struct bg_read_opts *o, const struct head_stats *st,
			 const char *name, char *err, size_t errlen)
{
	unsigned long v;
	char *end, list[512];
	const char *s;
	size_t f, n;
	int r, best_rank = 0, best_at_rank = 0;
	long by_name = -1, by_name_at = -1;
	const char *c = o && o->column ? o->column : "";
	bool number = isdigit((unsigned char)c[0]) ||
		      ((c[0] == '-' || c[0] == '+') && isdigit((unsigned char)c[1]));

	if (number) {
		errno = 0;
		v = strtoul(o->column, &end, 10);
		/* strtoul takes a sign and wraps "-1": only plain digits pass. */
		if (!isdigit((unsigned char)o->column[0]) || errno || *end || v == 0 ||
		    v > CSV_FIELDS_MAX) {
			snprintf(err, errlen, "%s: --column %s: a column number from 1 to %d", name,
				 o->column, CSV_FIELDS_MAX);
			return -EINVAL;
		}
		cs->col = (size_t)v - 1;
	}
	if (o && o->column && !number) {
		/* The caller names a column: the first record is its header. */
		cs->header = true;
		for (f = 0; f < kept(p); f++) {
			s = trimmed(p, f, &n);
			if (n == strlen(o->column) && strncasecmp(s, o->column, n) == 0)
				break;
		}
		if (f == kept(p)) {
			header_list(p, list, sizeof(list));
			snprintf(err, errlen, "%s: no column \"%s\"; the header has: %s", name,
				 o->column, list);
			return -EINVAL;
		}
		cs->col = f;
		goto label;
	}
	if (st->nrec > 0 && !st->first_has_at) {
		for (f = 0; f < kept(p); f++) {
			s = trimmed(p, f, &n);
			r = name_rank(s, n);
			if (r && (!best_rank || r < best_rank)) {
				best_rank = r;
				by_name = (long)f;
			}
			if (r && st->at_later[f] && (!best_at_rank || r < best_at_rank)) {
				best_at_rank = r;
				by_name_at = (long)f;
			}
		}
		if (by_name >= 0 || st->later_has_at)
			cs->header = true;
	}
	if (o && o->column)
		goto label;
	if (by_name_at >= 0)
		cs->col = (size_t)by_name_at;
	else if (by_name >= 0)
		cs->col = (size_t)by_name;
	else if (st->first_at_col >= 0)
		cs->col = (size_t)st->first_at_col;
	else
		cs->col = 0;
label:
	if (cs->header && cs->col < kept(p)) {
		s = trimmed(p, cs->col, &n);
		if (n) {
			snprintf(cs->why, sizeof(cs->why), "no address in column \"%.*s\"",
				 (int)(n < 60 ? n : 60), s);
			return 0;
		}
	}
	snprintf(cs->why, sizeof(cs->why), "no address in column %zu", cs->col + 1);
	return 0;
}

/* --- rows ---------------------------------------------------------------- */

static int data_row(struct csv_state *cs)
{
	const struct csv_parser *p = cs->p;
	struct bg_sink *sink = cs->sink;
	const char *s;
	size_t n;
	int r;

	if (record_blank(p) && !p->overflow)
		return 0;
	sink->record(sink);
	if (p->overflow) {
		sink->invalid(sink, cs->rec_line, "record too long", cs->shown, cs->shown_len);
		return 0;
	}
	if (cs->col >= kept(p)) {
		sink->invalid(sink, cs->rec_line, cs->why, cs->shown, cs->shown_len);
		return 0;
	}
	s = trimmed(p, cs->col, &n);
	if (memchr(s, '\0', n)) {
		sink->invalid(sink, cs->rec_line, "NUL byte in the address", cs->shown,
			      cs->shown_len);
		return 0;
	}
	/* Only the address cell must be UTF-8: a legacy name column elsewhere in
	 * the row does not cost the row. */
	if ((cs->rec_flags & BG_LINE_BAD_UTF8) && !bg_utf8_valid(s, n)) {
		sink->invalid(sink, cs->rec_line, "invalid UTF-8 in the address", cs->shown,
			      cs->shown_len);
		return 0;
	}
	/* The cell's text through the one tokeniser: several addresses ("a@x; b@y"),
	 * a display name, Japanese punctuation, a cell wrapped inside its quotes. */
	r = bg_addr_scan(cs->tok, s, n, cs->rec_line);
	if (r < 0)
		return r;
	if (r == 0)
		sink->invalid(sink, cs->rec_line, cs->why, cs->shown, cs->shown_len);
	return 0;
}

static int csv_read(struct bg_input *in, const struct bg_read_opts *o, struct bg_sink *sink,
		    char *err, size_t errlen)
{
	struct csv_state cs;
	struct csv_parser *hp = NULL;
	struct head_stats *st = NULL;
	const char *head, *s;
	const char *name = bg_input_name(in);
	char dummy, delim;
	long got;
	size_t n;
	unsigned flags;
	bool first = true, open_rec = false;
	int r = 0;

	memset(&cs, 0, sizeof(cs));
	cs.sink = sink;
	got = bg_input_peek(in, &head, HEAD_MAX);
	if (got < 0) {
		r = (int)got;
		if (bg_input_read(in, &dummy, 0, err, errlen) >= 0)
			snprintf(err, errlen, "%s: %s", name, strerror(-r));
		goto out;
	}
	hp = calloc(1, sizeof(*hp));
	st = malloc(sizeof(*st));
	cs.p = calloc(1, sizeof(*cs.p));
	if (!hp || !st || !cs.p || bg_addrtok_new(&cs.tok, sink) != 0) {
		r = -ENOMEM;
		goto nomem;
	}
	hp->cap = (size_t)got + 16;
	hp->buf = malloc(hp->cap);
	cs.p->cap = CSV_REC_MAX;
	cs.p->buf = malloc(cs.p->cap);
	if (!hp->buf || !cs.p->buf) {
		r = -ENOMEM;
		goto nomem;
	}
	sniff(hp, head, (size_t)got, got < HEAD_MAX, name, &delim);
	hp->delim = cs.p->delim = delim;
	head_parse(hp, head, (size_t)got, got < HEAD_MAX, SNIFF_RECORDS, st);
	/* Parse again, stopping at the first record, so hp holds its cells. */
	{
		struct head_stats *one = malloc(sizeof(*one));

		if (!one) {
			r = -ENOMEM;
			goto nomem;
		}
		head_parse(hp, head, (size_t)got, got < HEAD_MAX, 1, one);
		free(one);
	}
	r = choose_column(&cs, hp, o, st, name, err, errlen);
	if (r < 0)
		goto out;

	record_start(cs.p);
	for (;;) {
		r = bg_input_getline(in, &s, &n, &flags, err, errlen);
		if (r < 0)
			goto out;
		if (r == 0)
			break;
		cs.p->line = bg_input_lineno(in);
		if (cs.p->line == 1 && sep_line(s, n, &delim))
			continue;
		if (!open_rec) {
			cs.rec_line = cs.p->line;
			cs.rec_flags = 0;
			cs.shown_len = n < SHOWN_MAX ? n : SHOWN_MAX;
			memcpy(cs.shown, s, cs.shown_len);
			open_rec = true;
		}
		cs.rec_flags |= flags;
		feed(cs.p, s, n);
		if (flags & BG_LINE_TOO_LONG) {
			/* The cut hid the rest of the line, quotes included: the record
			 * ends here rather than swallowing the lines after it. */
			cs.p->overflow = true;
			cs.p->in_quotes = cs.p->quote_seen = false;
		}
		if (!line_end(cs.p))
			continue;
		open_rec = false;
		if (first && !(record_blank(cs.p) && !cs.p->overflow)) {
			first = false;
			if (cs.header) {
				record_start(cs.p);
				continue;
			}
		}
		r = data_row(&cs);
		if (r < 0) {
			snprintf(err, errlen, "%s, line %lu: import stopped", name, cs.rec_line);
			goto out;
		}
		record_start(cs.p);
	}
	if (open_rec && cs.p->in_quotes) {
		snprintf(err, errlen, "%s: unterminated quoted field opened at line %lu", name,
			 cs.p->quote_line);
		r = -EBADMSG;
		goto out;
	}
	r = 0;
	goto out;
nomem:
	snprintf(err, errlen, "%s: out of memory", name);
out:
	if (hp)
		free(hp->buf);
	free(hp);
	if (cs.p)
		free(cs.p->buf);
	free(cs.p);
	free(st);
	bg_addrtok_free(cs.tok);
	return r;
}

const struct bg_reader bg_reader_csv = {
    .name = "csv",
    .probe = csv_probe,
    .read = csv_read,
};
