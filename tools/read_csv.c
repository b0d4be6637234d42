/* read_csv.c: the CSV reader (RFC 4180 plus what spreadsheets really write: ';'
 * or TAB delimiters, a "sep=" line, a header in any language, stray quotes).  The
 * delimiter, the header and the address column are decided from the peeked head;
 * the rows are then streamed line by line, one record in a bounded buffer. */
#include "encoding.h"
#include "reader.h"
#include "table.h"

#include "addrtok.h"
#include "ascii.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <unicase.h>
#include <uninorm.h>

#define HEAD_MAX (64 * 1024)
#define CSV_REC_MAX BG_TABLE_ROW_MAX
#define CSV_FIELDS_MAX BG_TABLE_COLS_MAX
#define SNIFF_RECORDS BG_TABLE_SNIFF
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

/* s (n bytes) without white space at either end; its length in *len. */
static const char *span_trimmed(const char *s, size_t n, size_t *len)
{
	while (n > 0 && bg_ascii_isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n > 0 && bg_ascii_isspace((unsigned char)s[n - 1]))
		n--;
	/* ="taro@x.jp": a value an exporter wrote as a formula that yields it, so
	 * that Excel keeps it text (leading zeros, long numbers); Excel shows
	 * what is inside the quotes. */
	if (n >= 3 && s[0] == '=' && s[1] == '"' && s[n - 1] == '"' && !memchr(s + 2, '"', n - 3)) {
		s += 2;
		n -= 3;
	}
	*len = n;
	return s;
}

static const char *trimmed(const struct csv_parser *p, size_t f, size_t *len)
{
	return span_trimmed(p->buf + p->off[f], p->flen[f], len);
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
	return bg_addr_maybe(p->buf + p->off[f], p->flen[f]);
}

/* A cell that is nothing but an address: '@' and no blank or list separator. */
static bool field_clean_at(const struct csv_parser *p, size_t f)
{
	size_t n, i;
	const char *s = trimmed(p, f, &n);

	if (!n || !bg_addr_maybe(s, n))
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

/* PowerShell's Export-Csv first line, "#TYPE System.Management.Automation.
 * PSCustomObject" (Windows PowerShell writes it unless -NoTypeInformation):
 * the type of the objects, no row.  Read as one, it could be taken for the
 * header (a message tracking export's was) and the real header for a row. */
static bool type_line(const char *s, size_t n)
{
	return n > 6 && memcmp(s, "#TYPE ", 6) == 0 && s[6] != ' ';
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
		if (p->line == 1 && (sep_line(s, n, &d) || type_line(s, n)))
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

static bool tab_named(const char *path)
{
	return bg_ascii_has_suffix(path, ".tsv") || bg_ascii_has_suffix(path, ".tab") ||
	       bg_ascii_has_suffix(path, ".tsv.gz");
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

/* A first line that is a table's header by its names ("email<TAB>password",
 * "Name|E-mail"): two to 64 fields split by one of , ; TAB |, no address among
 * them, one an address column's name; and a second line holding an address.
 * A list of two rows under it is a table as much as one of two thousand: read
 * as text, its other columns' addresses (a password "p@ss.jp") were stored. */
static bool named_header(const char *h, size_t len)
{
	static const char cands[] = {',', ';', '\t', '|'};
	size_t pos = 0, n, n2;
	const char *s, *s2;

	if (len >= 3 && memcmp(h, "\xef\xbb\xbf", 3) == 0)
		pos = 3;
	if (!head_line(h, len, &pos, &s, &n) || !n || bg_addr_maybe(s, n) ||
	    !head_line(h, len, &pos, &s2, &n2) || !bg_addr_maybe(s2, n2))
		return false;
	/* The row under it is split by the same delimiter (a sentence with a
	 * comma over an address is a notice, not a header). */
	for (size_t c = 0; c < sizeof(cands); c++) {
		size_t fields = 0, a = 0;
		bool named = false;

		for (size_t i = 0; i <= n; i++) {
			if (i < n && s[i] != cands[c])
				continue;
			size_t b = i;

			while (a < b && (s[a] == ' ' || s[a] == '"'))
				a++;
			while (b > a && (s[b - 1] == ' ' || s[b - 1] == '"'))
				b--;
			named |= b > a && bg_table_name_rank(s + a, b - a) == 1;
			fields++;
			a = i + 1;
		}
		if (fields >= 2 && fields <= 64 && named && memchr(s2, cands[c], n2))
			return true;
	}
	return false;
}

/* --- W3C extended logs ---------------------------------------------------- */

/* A W3C directive line's shape, "#Name: value" ("#Software:", "#Version:",
 * "#Date:", "#Fields:"): anything else starting with '#' is a comment. */
static bool w3c_directive(const char *s, size_t n)
{
	if (n < 3 || s[0] != '#' || !bg_ascii_isalpha((unsigned char)s[1]) || !memchr(s, ':', n))
		return false;
	for (size_t i = 1; i < n && s[i] != ':'; i++)
		if (!bg_ascii_isalnum((unsigned char)s[i]) && s[i] != '-')
			return false;
	return true;
}

/* A W3C extended log (IIS, Exchange message tracking): a block of directive
 * lines ("#Software:", "#Version:", "#Date:") ending in a "#Fields:" line.
 * Returns the line of the head's first such "#Fields:" (0: the head is no
 * such log); *delim: what separates its names, and so the cells of its rows
 * (Exchange writes ',', IIS and the W3C ' ').  The block may come anywhere
 * in the head: after a long run of directives, or after the rows of a log
 * cut at its start (logs concatenated from the middle of one).  Before, one
 * past line 64 or after a row was not seen, and the log was read as a plain
 * table: its message ids and senders beside the users. */
unsigned long bg_w3c_fields(const char *h, size_t len, char *delim)
{
	size_t pos = 0, n;
	unsigned long line = 0;
	const char *s;
	/* the line before is a directive (or this is the first line): a
	 * "#Fields:" opens no log after a row or a comment alone */
	bool block = true;

	if (len >= 3 && memcmp(h, "\xef\xbb\xbf", 3) == 0)
		pos = 3;
	while (head_line(h, len, &pos, &s, &n)) {
		line++;
		if (!n)
			continue;
		if (!w3c_directive(s, n)) {
			block = false;
			continue;
		}
		if (!bg_ascii_starts_ci(s, n, "#fields:")) {
			block = true;
			continue;
		}
		s += 8;
		n -= 8;
		while (n && bg_ascii_isspace((unsigned char)*s))
			s++, n--;
		if (block && n) {
			*delim = memchr(s, ',', n) ? ',' : ' ';
			return line;
		}
	}
	return 0;
}

static int csv_probe(const char *head, size_t len, const char *path)
{
	struct csv_parser *p;
	char delim;
	int score, ret = 0;

	if (bg_w3c_fields(head, len, &delim))
		return 95; /* over text's .txt (85): a log's rows are a table */
	if (tab_named(path))
		return 85;
	if (bg_ascii_has_suffix(path, ".csv") || bg_ascii_has_suffix(path, ".csv.gz"))
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
	if (score >= 1000 || named_header(head, len))
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

/* --- header and column (the table: CSV files and workbook sheets) ---------- */

static const char *cell_trimmed(const struct bg_cell *c, size_t *len)
{
	return span_trimmed(c->s, c->len, len);
}

/* NFKC and full case folding, locale-independent (no language tailoring):
 * "ＭＡＩＬ" -> "mail", "ﾒｰﾙ" -> "メール".  Length written (NUL-terminated), or
 * -1 when s is not UTF-8 or does not fit. */
static long fold(const char *s, size_t n, char *out, size_t outlen)
{
	size_t len = outlen - 1;
	uint8_t *r;

	r = u8_casefold((const uint8_t *)s, n, NULL, UNINORM_NFKC, (uint8_t *)out, &len);
	if (!r)
		return -1;
	if (r != (uint8_t *)out) {
		free(r);
		return -1;
	}
	out[len] = '\0';
	return (long)len;
}

/* Characters a header name is written with or without: blanks, dashes and dots
 * of any script ("E-Mail", "e mail", "E・メール"), required-field marks, a colon. */
static size_t skippable(const unsigned char *s, size_t n)
{
	static const char *const multi[] = {
	    "\xe3\x83\xbb", /* U+30FB katakana middle dot */
	    "\xc2\xb7",	    /* U+00B7 middle dot */
	    "\xe2\x80\x90", "\xe2\x80\x91", "\xe2\x80\x92",
	    "\xe2\x80\x93", "\xe2\x80\x94", "\xe2\x80\x95", /* U+2010-U+2015 dashes */
	    "\xe2\x88\x92",				    /* U+2212 minus */
	    "\xe2\x80\xbb", /* U+203B reference mark, a Japanese "required" */
	    "\xe3\x80\x80", /* U+3000 (NFKC makes it a space already) */
	};
	size_t i, m;

	if (bg_ascii_isspace(s[0]) || s[0] == '-' || s[0] == '_' || s[0] == '.' || s[0] == '*' ||
	    s[0] == ':')
		return 1;
	for (i = 0; i < sizeof(multi) / sizeof(multi[0]); i++) {
		m = strlen(multi[i]);
		if (n >= m && memcmp(s, multi[i], m) == 0)
			return m;
	}
	return 0;
}

/* A qualifier in brackets at either end: "メールアドレス(会社)", "Email [work]",
 * "【必須】メール".  NFKC already made full-width brackets ASCII. */
static void drop_qualifier(char *s, size_t *n)
{
	static const char *const pairs[][2] = {
	    {"(", ")"},
	    {"[", "]"},
	    {"\xe3\x80\x90", "\xe3\x80\x91"} /* 【】 */,
	    {"\xe3\x80\x94", "\xe3\x80\x95"} /* 〔〕 */,
	    {"<", ">"},
	};
	size_t i, o, c, k;

	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		o = strlen(pairs[i][0]);
		c = strlen(pairs[i][1]);
		/* Trailing: cut from the last opener, when something stays before it. */
		if (*n > c && memcmp(s + *n - c, pairs[i][1], c) == 0) {
			for (k = *n - c; k-- > 0;) {
				if (k + o <= *n - c && memcmp(s + k, pairs[i][0], o) == 0) {
					if (k > 0)
						*n = k;
					break;
				}
			}
		}
		/* Leading: cut to the first closer, when something stays after it. */
		if (*n > o && memcmp(s, pairs[i][0], o) == 0) {
			for (k = o; k + c <= *n; k++) {
				if (memcmp(s + k, pairs[i][1], c) == 0) {
					if (k + c < *n) {
						memmove(s, s + k + c, *n - k - c);
						*n -= k + c;
					}
					break;
				}
			}
		}
	}
	s[*n] = '\0';
}

/* Folded, without what skippable() drops and without a bracketed qualifier:
 * "E-Mail Address" -> "emailaddress", "メールアドレス（会社）" -> "メールアドレス". */
static bool squash(const char *s, size_t n, char *out, size_t outlen)
{
	char f[256];
	long len = fold(s, n, f, sizeof(f));
	size_t i, o = 0, k;

	if (len < 0)
		return false;
	for (i = 0; i < (size_t)len;) {
		k = skippable((const unsigned char *)f + i, (size_t)len - i);
		if (k) {
			i += k;
			continue;
		}
		if (o + 1 >= outlen)
			return false;
		out[o++] = f[i++];
	}
	drop_qualifier(out, &o);
	return true;
}

/* An address column's name with a qualifier before it or a number after it,
 * squashed: 会社メール, 個人メールアドレス, 携帯メール, "Work Email", "E-mail 2",
 * メール1.  Without this a table of 氏名, 会社メール and 個人メール had no column
 * named for addresses, and the name column ("山口 太郎 <yamaguchi@x.jp>") was
 * taken by its content.  Only names that end a compound this way ("Email
 * verified", a flag, does not), after a qualifier of a word or two (15 bytes:
 * 勤務先, "secondary"; a sentence ending in "email" is no column's name). */
static bool qualified_mail(const char *sq)
{
	static const char *const tails[] = {
	    "email",   "emailaddress", "mailaddress", "メール",	  "メールアドレス", "電子メール",
	    "eメール", "mailアドレス", "メアド",      "电子邮件", "邮箱",	    "이메일"};
	size_t n = strlen(sq), l;

	while (n > 0 && sq[n - 1] >= '0' && sq[n - 1] <= '9')
		n--; /* "email2", "メール1" */
	for (size_t i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		l = strlen(tails[i]);
		if (l <= n && n - l <= 15 && memcmp(sq + n - l, tails[i], l) == 0 &&
		    (n - l > 0 || n < strlen(sq)))
			return true;
	}
	return false;
}

/* 0 = not an address column name; lower is better. */
int bg_table_name_rank(const char *s, size_t n)
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
	    "indirizzoemail",
	    "postaelettronica",
	    "endereçodeemail",
	    "enderecodeemail",
	    /* Japanese */
	    "メールアドレス",
	    "メール",
	    "電子メール",
	    "電子メールアドレス",
	    "eメール",
	    "eメールアドレス",
	    "メアド",
	    "mailアドレス",
	    "emailアドレス",
	    "メールadd",
	    "連絡先メールアドレス",
	    "送信先メールアドレス",
	    "宛先メールアドレス",
	    /* Chinese */
	    "电子邮件",
	    "电子邮箱",
	    "邮箱",
	    "邮件地址",
	    "电子邮件地址",
	    "電子郵件",
	    "電子郵件地址",
	    "電郵",
	    "郵箱",
	    "郵件地址",
	    "邮箱地址",
	    "电子邮箱地址",
	    "电邮",
	    "电邮地址",
	    "邮件",
	    "信箱",
	    "email地址",
	    "電子郵件信箱",
	    "電郵地址",
	    "郵箱地址",
	    "電子信箱",
	    "电子信箱",
	    "電子郵箱",
	    "郵件",
	    /* Korean */
	    "이메일",
	    "메일",
	    "이메일주소",
	    "메일주소",
	    "전자우편",
	    "전자메일",
	    "전자메일주소",
	    "email주소",
	    "e메일",
	};
	static const char *const rank2[] = {
	    "address",	  "adresse",	  "account", "accountname", "mailbox", "アドレス",
	    "アカウント", "アカウント名", "账号",    "账户",	    "帳號",    "계정",
	};
	static const char *const rank3[] = {
	    "login",	    "user",	   "username",	  "userid",	"loginname",  "benutzer",
	    "benutzername", "utilisateur", "identifiant", "ユーザー",	"ユーザ",     "ユーザー名",
	    "ユーザ名",	    "ユーザーid",  "ユーザid",	  "ログインid", "ログイン名", "利用者id",
	    "用户名",	    "用户",	   "使用者",	  "사용자",	"사용자명",   "아이디",
	};
	char sq[192];
	size_t i;

	if (n >= 256 || !squash(s, n, sq, sizeof(sq)))
		return 0;
	for (i = 0; i < sizeof(rank1) / sizeof(rank1[0]); i++)
		if (strcmp(sq, rank1[i]) == 0)
			return 1;
	for (i = 0; i < sizeof(rank2) / sizeof(rank2[0]); i++)
		if (strcmp(sq, rank2[i]) == 0)
			return 2;
	for (i = 0; i < sizeof(rank3) / sizeof(rank3[0]); i++)
		if (strcmp(sq, rank3[i]) == 0)
			return 3;
	return qualified_mail(sq) ? 1 : 0;
}

bool bg_table_name_is(const char *cell, size_t n, const char *name)
{
	char a[256], b[256];
	const char *s;
	size_t m;
	const struct bg_cell c = {cell, n};
	long la, lb;

	s = cell_trimmed(&c, &m);
	la = fold(s, m, a, sizeof(a));
	/* The name as given: " e-mail" is no column's name. */
	lb = fold(name, strlen(name), b, sizeof(b));
	if (la < 0 || lb < 0) /* not UTF-8: the bytes themselves */
		return m == strlen(name) && memcmp(s, name, m) == 0;
	return la == lb && memcmp(a, b, (size_t)la) == 0;
}

/* The columns of a table without a header that more_columns looks at. */
#define MORE_COLS 64
/* a column of the rows after the first (choose_column) */
enum { AT_SOME = 1, AT_CLEAN = 2 };

/* A row held back until the column is decided: one allocation, cells then text. */
struct held_row {
	struct bg_row r;
	void *mem;
};

struct bg_table {
	struct bg_reader_ctx *c; /* options, sink, name and error of the reading */
	struct bg_addrtok *tok;	 /* a cell's text to addresses, the one tokeniser */
	const char *sheet;
	bool decided, header, numbered;
	bool secret_cols; /* a column may hold passwords: rows are not shown whole */
	bool skipped;	  /* a sheet without the --column named: read nothing */
	unsigned hdr;	  /* the held row that is the header candidate */
	size_t col;
	/* No address is left in a row unsaid: in a table without a header (and
	 * no --column), every other column that holds addresses is read too
	 * (more), and so are the address column's numbered siblings under a
	 * header and the other --column values; anywhere else an address
	 * outside col is noted, not imported. */
	bool more[MORE_COLS];
	/* Three in four of a column's filled cells (of the held rows) are one
	 * address each: an address column; another column's address may be a
	 * password (other_cells shows it only for an address column). */
	bool addrish[MORE_COLS];
	bool reads_more; /* some more[] */
	/* A column of account/password pairs ("a@x.jp／pw"): its header is a
	 * pair label ("ID/PW"), or one of its cells is an address, '/' or '／'
	 * and no address.  Its cells are read to that '/' only (pair_cut).
	 * twos: cells read before as two addresses joined by a '/' (said when
	 * the column turns out to be pairs after them). */
	bool pairs[MORE_COLS];
	unsigned long twos[MORE_COLS];
	/* A directory's alias column (proxy_columns): its cells are read entry
	 * by entry (proxy_cell).  unread_alias: one the --column given leaves
	 * out, said once (alias_unread), not on each row. */
	bool proxy[MORE_COLS], unread_alias[MORE_COLS];
	unsigned long proxy_skipped, proxy_line; /* entries of no address, the first's line */
	char proxy_first[64];			 /* and its text (a SIP: or X500: name) */
	bool log;				 /* a W3C extended log's (bg_table_log) */
	bool trace;		      /* the log is a PowerShell export's (trace_header) */
	struct bg_sink_filter filter; /* a log's tokeniser's sink: server addresses out */
	char why[128];
	char note[512]; /* skipped: the header it has */
	struct held_row held[BG_TABLE_SNIFF];
	unsigned nheld;
};

static bool row_blank(const struct bg_row *r)
{
	size_t f, n;

	for (f = 0; f < r->n; f++) {
		cell_trimmed(&r->cells[f], &n);
		if (n)
			return false;
	}
	return true;
}

/* A row that is no record: blank, neither cut nor noted by its reader (a
 * workbook row whose one cell a mailto: link emptied is a record, read and
 * invalid, as its note says). */
static bool row_nothing(const struct bg_row *r)
{
	return row_blank(r) && !r->overflow && !r->noted;
}

static bool cell_has_at(const struct bg_cell *c)
{
	return bg_addr_maybe(c->s, c->len);
}

/* A cell that is one address and nothing else, by its look: one '@' with text
 * before it and a dotted domain after it, no space, no list separator. */
static bool cell_one_address(const struct bg_cell *c)
{
	size_t n, i, at = 0, ats = 0;
	const char *s = cell_trimmed(c, &n);
	bool dot = false;

	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '@') {
			at = i;
			ats++;
		} else if (ch <= ' ' || strchr(",;|<>\"()[]", ch)) {
			return false;
		} else if (ch == '.' && ats) {
			dot = true;
		}
	}
	return ats == 1 && at > 0 && at + 1 < n && dot && s[n - 1] != '.';
}

/* A cell of free text with an address in it ("上長: boss@example.jp", a
 * note's "ask a@x.jp"): blanks, and a word with an '@' and a '.' after it. */
static bool text_address(const struct bg_cell *c)
{
	size_t n, i = 0;
	const char *s = cell_trimmed(c, &n);

	if (!memchr(s, ' ', n) && !memchr(s, '\t', n) && !memmem(s, n, "\xe3\x80\x80", 3))
		return false;
	while (i < n) {
		size_t w = i;

		while (w < n && s[w] != ' ' && s[w] != '\t')
			w++;
		const char *at = memchr(s + i, '@', w - i);

		if (at && at > s + i && memchr(at, '.', (size_t)(s + w - at)) && s[w - 1] != '.' &&
		    at + 1 < s + w && at[1] != '.')
			return true;
		i = w + 1;
	}
	return false;
}

/* In a cell "a@x.jp／pw": the offset of the first '/' or '／' after its first
 * '@' (or '＠'), its length in *sl; SIZE_MAX when there is none. */
static size_t pair_cut(const char *s, size_t n, size_t *sl)
{
	const char *at = memchr(s, '@', n), *wat = memmem(s, n, "\xef\xbc\xa0", 3);
	size_t i;

	if (!at || (wat && wat < at))
		at = wat;
	if (!at)
		return SIZE_MAX;
	for (i = (size_t)(at - s) + 1; i < n; i++) {
		if (s[i] == '/') {
			*sl = 1;
			return i;
		}
		if (n - i >= 3 && memcmp(s + i, "\xef\xbc\x8f", 3) == 0) {
			*sl = 3;
			return i;
		}
	}
	return SIZE_MAX;
}

/* Whether [s, s + n) is one address by its look (cell_one_address), blanks
 * around it aside, and no ':' or '/' in it (a URL's "https://h/a@x.jp/path"
 * is no address and its path no password). */
static bool span_one_address(const char *s, size_t n)
{
	const struct bg_cell c = {s, n};

	return !memchr(s, ':', n) && !memchr(s, '/', n) && cell_one_address(&c);
}

/* The shape of a cell of a pair column: an address, '/' or '／', and a part
 * that is no address ("a@x.jp／Secret1"; 1), or parts that are all addresses
 * ("a@x.jp／b@x.jp", an enumeration; 2); else 0. */
static int pair_shape(const struct bg_cell *c)
{
	size_t n, sl, cut, i = 0;
	const char *s = cell_trimmed(c, &n);
	bool two = false;

	if ((cut = pair_cut(s, n, &sl)) == SIZE_MAX || !span_one_address(s, cut))
		return 0;
	s += cut + sl;
	n -= cut + sl;
	while (i <= n) {
		size_t e = i, l = 0;

		while (e < n && s[e] != '/' &&
		       !(n - e >= 3 && memcmp(s + e, "\xef\xbc\x8f", 3) == 0))
			e++;
		if (!span_one_address(s + i, e - i))
			return 1;
		two = true;
		l = e < n ? (s[e] == '/' ? 1 : 3) : 1;
		i = e + l;
	}
	return two ? 2 : 0;
}

/* Which columns hold account/password pairs (struct bg_table's pairs): a
 * header cell that is a pair label, or a held row's cell of pair_shape 1.
 * A column decided so is read so from its first row: "a@x.jp／p@evil.jp"
 * above "b@x.jp／Secret1" stores no p@evil.jp. */
static void pair_columns(struct bg_table *t)
{
	const struct bg_row *hdr = t->header ? &t->held[t->hdr].r : NULL;
	size_t f, n;
	const char *s;

	for (f = 0; hdr && f < hdr->n && f < MORE_COLS; f++) {
		s = cell_trimmed(&hdr->cells[f], &n);
		t->pairs[f] = n && bg_pair_label(s, n);
	}
	for (unsigned i = t->header ? t->hdr + 1 : 0; i < t->nheld; i++) {
		const struct bg_row *row = &t->held[i].r;

		for (f = 0; f < row->n && f < MORE_COLS; f++)
			t->pairs[f] = t->pairs[f] || pair_shape(&row->cells[f]) == 1;
	}
}

/* "NAME, line N" for a file, "NAME: sheet S row N" for a workbook sheet. */
static void where(const struct bg_table *t, unsigned long line, char *out, size_t outlen)
{
	if (t->sheet)
		snprintf(out, outlen, "%s: sheet %s row %lu", t->c->name, t->sheet,
			 BG_LINE_ROW(line));
	else
		snprintf(out, outlen, "%s, line %lu", t->c->name, line);
}

/* A --column value that is a number: "3" (1-based) to 2 in *col.  1 when it
 * is one, 0 when it is a name, -1 when it looks like a number but is no
 * column's ("0", "-1", "3x", past the last column kept). */
static int column_number(const char *c, size_t *col)
{
	unsigned long v;
	char *end;

	if (!bg_ascii_isdigit(c[0]) && !((c[0] == '-' || c[0] == '+') && bg_ascii_isdigit(c[1])))
		return 0;
	errno = 0;
	v = strtoul(c, &end, 10);
	/* strtoul takes a sign and wraps "-1": only plain digits pass. */
	if (!bg_ascii_isdigit(c[0]) || errno || *end || v == 0 || v > BG_TABLE_COLS_MAX)
		return -1;
	*col = (size_t)v - 1;
	return 1;
}

/* The other --column values given by number (the first is): more[] of each.
 * Names and numbers are not mixed: a number counts the columns of every
 * row, a name needs the header. */
static int numbered_more(struct bg_table *t, const struct bg_read_opts *o, const char *name,
			 struct bg_err *err)
{
	size_t f;

	for (unsigned k = 0; k < o->n_more_columns; k++) {
		int r = column_number(o->more_columns[k], &f);

		if (r <= 0)
			return bg_err_set(
			    err, -EINVAL,
			    "%s: --column %s: a column number from 1 to %d (the first "
			    "--column is a number: give every column by number)",
			    name, o->more_columns[k], MORE_COLS);
		if (f >= MORE_COLS)
			return bg_err_set(
			    err, -EINVAL,
			    "%s: --column %s: a second column is read up to column %d", name,
			    o->more_columns[k], MORE_COLS);
		t->more[f] = f != t->col;
	}
	return 0;
}

int bg_table_begin(struct bg_table **out, struct bg_reader_ctx *rc, const char *sheet)
{
	struct bg_table *t;
	const char *c = rc->opts.column ? rc->opts.column : "";
	int r;

	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return bg_err_set(&rc->err, -ENOMEM, "%s: out of memory", rc->name);
	if (bg_addrtok_new(&t->tok, rc->sink) != 0) {
		free(t);
		return bg_err_set(&rc->err, -ENOMEM, "%s: out of memory", rc->name);
	}
	t->c = rc;
	t->sheet = sheet;
	r = column_number(c, &t->col);
	t->numbered = r != 0;
	if (r < 0) {
		r = bg_err_set(&rc->err, -EINVAL, "%s: --column %s: a column number from 1 to %d",
			       rc->name, c, BG_TABLE_COLS_MAX);
	} else if (r > 0) {
		r = numbered_more(t, &rc->opts, rc->name, &rc->err);
	} else {
		for (unsigned k = 0; k < rc->opts.n_more_columns && r == 0; k++)
			if (column_number(rc->opts.more_columns[k], &(size_t){0}) != 0)
				r = bg_err_set(
				    &rc->err, -EINVAL,
				    "%s: --column %s: the first --column is a name: give "
				    "every column by its name",
				    rc->name, rc->opts.more_columns[k]);
	}
	if (r < 0) {
		bg_addrtok_free(t->tok);
		free(t);
		return r;
	}
	*out = t;
	return 0;
}

/* At most max bytes of s, cut on a UTF-8 character boundary. */
static int shown_len(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return (int)n;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return (int)n;
}

static void header_list(const struct bg_row *r, char *out, size_t outlen)
{
	size_t f, n, o = 0;
	const char *s;
	int w;

	out[0] = '\0';
	for (f = 0; r && f < r->n && o + 1 < outlen; f++) {
		s = cell_trimmed(&r->cells[f], &n);
		w = snprintf(out + o, outlen - o, "%s\"%.*s\"", f ? ", " : "", shown_len(s, n, 60),
			     s);
		if (w < 0)
			break;
		o += (size_t)w;
	}
}

/* The index of the cell of header row r named `name` (bg_table_name_is), or
 * r->n when none is. */
static size_t named_column(const struct bg_row *r, const char *name)
{
	size_t f, n;
	const char *s;

	for (f = 0; f < r->n; f++) {
		s = cell_trimmed(&r->cells[f], &n);
		if (bg_table_name_is(s, n, name))
			break;
	}
	return f;
}

/* Whether held row i is a title with an '@' above the header: one filled
 * cell ("お問い合わせ：support@vendor.example.jp" in A1), and a later held
 * row that names a column in two or more filled cells, with no '@'. */
static bool title_row(const struct bg_table *t, unsigned i, bool named, const char *column)
{
	const struct bg_row *row = &t->held[i].r;
	size_t f, n, filled = 0;

	for (f = 0; f < row->n; f++) {
		cell_trimmed(&row->cells[f], &n);
		filled += n > 0;
	}
	if (filled != 1)
		return false;
	for (unsigned j = i + 1; j < t->nheld; j++) {
		const struct bg_row *h = &t->held[j].r;
		bool hit = false, at = false;
		const char *s;

		filled = 0;
		for (f = 0; f < h->n; f++) {
			s = cell_trimmed(&h->cells[f], &n);
			if (!n)
				continue;
			filled++;
			at = at || cell_has_at(&h->cells[f]);
			if (!hit)
				hit = named ? bg_table_name_is(s, n, column)
					    : bg_table_name_rank(s, n) != 0;
		}
		if (at)
			return false;
		if (hit && filled >= 2)
			return true;
	}
	return false;
}

/* Title rows above the header (a notice's heading, a date) are common in
 * workbooks.  The header candidate is the first row that names a column (with
 * --column NAME: that name) in two or more non-empty cells' row, when an address
 * comes after it within the held rows; else the first row, as before.  Rows
 * above it then hold no '@', so no address is lost with them. */
static unsigned header_row(const struct bg_table *t)
{
	const char *column = t->c->opts.column;
	bool named = column && !t->numbered, at, hit;
	unsigned i, cand = 0;
	bool found = false;
	const char *s;
	size_t f, n, filled;

	for (i = 0; i < t->nheld; i++) {
		const struct bg_row *row = &t->held[i].r;

		for (f = 0, at = false; f < row->n && !at; f++)
			at = cell_has_at(&row->cells[f]);
		if (at && !found && title_row(t, i, named, column))
			continue;
		if (at)
			return found ? cand : 0;
		if (found)
			continue;
		for (f = 0, hit = false, filled = 0; f < row->n; f++) {
			s = cell_trimmed(&row->cells[f], &n);
			if (!n)
				continue;
			filled++;
			if (!hit)
				hit = named ? bg_table_name_is(s, n, column)
					    : bg_table_name_rank(s, n) != 0;
		}
		if (hit && (filled >= 2 || i == 0)) {
			cand = i;
			found = true;
		}
	}
	return 0; /* no address to come: the first row, as before */
}

static void sibling_columns(struct bg_table *t, const struct bg_row *hdr);

/* Per column (the first MORE_COLS), whether num in den of its filled cells
 * in the held rows from `from` on (the header row aside) are one address
 * each. */
static void addr_columns(const struct bg_table *t, unsigned from, unsigned num, unsigned den,
			 bool addrish[MORE_COLS])
{
	unsigned filled[MORE_COLS] = {0}, clean[MORE_COLS] = {0};

	for (unsigned i = from; i < t->nheld; i++) {
		const struct bg_row *row = &t->held[i].r;

		if (t->header && i == t->hdr)
			continue;
		for (size_t f = 0; f < row->n && f < MORE_COLS; f++) {
			size_t n;

			cell_trimmed(&row->cells[f], &n);
			if (!n)
				continue;
			filled[f]++;
			clean[f] += cell_one_address(&row->cells[f]);
		}
	}
	for (size_t f = 0; f < MORE_COLS; f++)
		addrish[f] = clean[f] > 0 && clean[f] * den >= filled[f] * num;
}

/* In a table without a header, the other columns that hold addresses: three
 * in four of their filled cells (of the held rows) one address each (under a
 * header: the address column's numbered siblings, sibling_columns).  A
 * second address column is read with the first; a column that only now and
 * then holds something like an address (a password) is not (data_row notes
 * those cells instead). */
static void more_columns(struct bg_table *t)
{
	addr_columns(t, 0, 3, 4, t->addrish);
	for (size_t f = 0; f < MORE_COLS; f++)
		t->more[f] = !t->header && f != t->col && t->addrish[f];
	if (t->header)
		sibling_columns(t, &t->held[t->hdr].r);
}

/* Without a header: the first column whose filled cells (of every held row)
 * are one address each, three in four of them ("P@ssw0rd,taro@example.jp":
 * the first column with an '@' was read, its passwords shown and an
 * address-like one stored); else fallback, the first with an '@'. */
static size_t clean_column(const struct bg_table *t, size_t fallback)
{
	bool addrish[MORE_COLS], half[MORE_COLS];

	/* the first column with an '@', when half its cells are addresses
	 * (gaps: "N/A", "未登録"); else the first of three in four */
	addr_columns(t, t->hdr, 1, 2, half);
	if (fallback < MORE_COLS && half[fallback])
		return fallback;
	addr_columns(t, t->hdr, 3, 4, addrish);
	for (size_t f = 0; f < MORE_COLS; f++)
		if (addrish[f])
			return f;
	return fallback;
}

/* With a header naming none of its columns as addresses: the first column
 * with an '@' below it whose name is no message id's or password's (a mail
 * export's "Message-ID,From,To": its ids were read as the addresses, and the
 * senders were not), one address a cell in three of four of its filled cells
 * (clean) before one that only holds an '@' ("id,note,addr2", a note's "see
 * a@b" won).  SIZE_MAX when every column with an '@' is named so: no column
 * of addresses. */
static size_t first_address_column(const struct bg_table *t, const struct bg_row *hdr,
				   const unsigned char *at_later, size_t fallback)
{
	const char *s;
	size_t n, any = SIZE_MAX;

	if (!t->header || !hdr)
		return clean_column(t, fallback);
	for (size_t f = 0; f < hdr->n && f < BG_TABLE_COLS_MAX; f++) {
		s = cell_trimmed(&hdr->cells[f], &n);
		if (!at_later[f] || (n && (bg_msgid_name(s, n) || bg_password_name(s, n))))
			continue;
		if (at_later[f] & AT_CLEAN)
			return f;
		if (any == SIZE_MAX)
			any = f;
	}
	return any;
}

/* The other --column values given by name: more[] of each, in the header
 * (first).  A name not in it is an error (a sheet without it is read by the
 * columns it has); one past MORE_COLS is refused. */
static int named_more(struct bg_table *t, const struct bg_row *first)
{
	const struct bg_read_opts *o = &t->c->opts;
	char list[512];
	size_t f;

	for (unsigned k = 0; k < o->n_more_columns; k++) {
		f = named_column(first, o->more_columns[k]);
		if (f == first->n) {
			/* a sheet without it: the columns it has are read */
			if (t->sheet)
				continue;
			header_list(first, list, sizeof(list));
			return bg_err_set(&t->c->err, -EINVAL,
					  "%s: no column \"%s\"; the header has: %s", t->c->name,
					  o->more_columns[k], list);
		}
		if (f >= MORE_COLS)
			return bg_err_set(
			    &t->c->err, -EINVAL,
			    "%s: --column %s is column %zu: a second column is read up "
			    "to column %d",
			    t->c->name, o->more_columns[k], f + 1, MORE_COLS);
		t->more[f] = f != t->col;
	}
	return 0;
}

/* A header name without its digits, blanks and punctuation, folded: "E-mail
 * 2 Address" and "E-mail Address" give the same; false when it does not fit
 * or is not UTF-8. */
static bool sibling_key(const char *s, size_t n, char *out, size_t outlen, size_t *len)
{
	char folded[256];
	long m = fold(s, n, folded, sizeof(folded));
	size_t j = 0;

	if (m <= 0)
		return false;
	for (long i = 0; i < m; i++) {
		unsigned char ch = (unsigned char)folded[i];

		if (bg_ascii_isdigit(ch) || ch <= ' ' || strchr("-_.#()[]:", ch))
			continue;
		if (j + 1 >= outlen)
			return false;
		out[j++] = (char)ch;
	}
	out[j] = '\0';
	*len = j;
	return j > 0;
}

/* Whether column f has a filled cell in the held rows below the header. */
static bool column_filled(const struct bg_table *t, size_t f)
{
	for (unsigned i = t->hdr + 1; i < t->nheld; i++) {
		const struct bg_row *row = &t->held[i].r;
		size_t n;

		if (f < row->n && (cell_trimmed(&row->cells[f], &n), n))
			return true;
	}
	return false;
}

/* The numbered siblings of the address column a header names ("E-mail
 * Address", "E-mail 2 Address", "E-mail 3 Address" of an Outlook export;
 * "email1,email2"; "メールアドレス１,メールアドレス２"; a name given twice): the same
 * name but for its digits, blanks and punctuation.  They are read with it:
 * one person's other addresses, not another's ("manager_email" is no sibling
 * of "email", nor "E-mail (Work)" of "E-mail (Home)"). */
/* A directory's column of a user's other addresses (Exchange's Get-Mailbox
 * "EmailAddresses", Active Directory's and Entra ID's "proxyAddresses":
 * "SMTP:a@x.jp smtp:alias@x.jp X500:/o=..."): the same person's.  Without
 * --column it is read with the address column (read: left out, an exposed
 * account's aliases were only counted invalid); with one that does not name
 * it, it is not read, and said once (unread_alias).  Its cells are read
 * entry by entry wherever it is read (proxy_cell). */
static void proxy_columns(struct bg_table *t, const struct bg_row *hdr, bool read)
{
	static const char *const names[] = {"EmailAddresses", "proxyAddresses"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t f = named_column(hdr, names[i]);

		if (f >= hdr->n || f >= MORE_COLS)
			continue;
		t->proxy[f] = true;
		if (f != t->col && read)
			t->more[f] = true;
		t->unread_alias[f] = f != t->col && !t->more[f];
	}
}

/* An entry's address type in an alias column ("SMTP:", "smtp:", "SIP:",
 * "SPO:", "X500:", "X400:", "EUM:", ...) at s, case aside: its length with
 * the ':', 0 when s starts none. */
static size_t proxy_type(const char *s, size_t n)
{
	static const char *const types[] = {
	    "smtp:", "sip:", "spo:", "x500:", "x400:", "eum:", "notes:", "fax:", "gwise:"};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (bg_ascii_starts_ci(s, n, types[i]))
			return strlen(types[i]);
	return 0;
}

/* Whether an entry of an alias column may start at i of s: its first byte,
 * or after a blank, ',' or ';' (how Export-Csv, -join and Graph join them). */
static bool proxy_entry_at(const char *s, size_t n, size_t i)
{
	return (i == 0 || strchr(" \t,;", s[i - 1])) && proxy_type(s + i, n - i) != 0;
}

/* The cell s (n bytes) of an alias column, entry by entry: an SMTP entry
 * (and text of no type) is read; one of another type is no mailbox (SIP: a
 * Teams or Skype address, SPO: SharePoint's internal id, EUM: a voicemail
 * extension, X500:/X400: directory names) and is skipped, counted for the
 * one note alias_skipped gives.  A SIP:, SPO: or EUM: value is one word;
 * an X500: or X400: one may hold blanks and runs to the next entry, and is
 * said with its line when it holds an '@' (a pasted address is never
 * dropped unsaid; read as text, "/o=.../cn=x@x.jp" stored "Group/cn=x@x.jp").
 * Before, a SIP: entry was stored as an address and an SPO: one counted
 * invalid on each row. */
static int scan_text(struct bg_table *t, const char *s, size_t n, unsigned long line, bool *noted);

/* Where an X500:/X400: entry's name, [i, e) of s, ends: after its last word
 * with a '=' in it ("X500:/o=Example/ou=Exchange Administrative Group
 * (FYDIBOHF23SPDLT)/cn=Recipients/cn=chiba" then " jiro.c@example.jp", an
 * untyped entry after it). */
static size_t x_name_end(const char *s, size_t i, size_t e)
{
	size_t k = e;

	while (k > i) {
		size_t w = k;

		while (w > i && s[w - 1] != ' ' && s[w - 1] != '\t')
			w--;
		if (memchr(s + w, '=', k - w))
			return k;
		while (w > i && (s[w - 1] == ' ' || s[w - 1] == '\t'))
			w--;
		k = w;
	}
	return e;
}

static int proxy_cell(struct bg_table *t, const char *s, size_t n, unsigned long line, bool *noted)
{
	size_t i = 0, from = 0, e;
	int r, found = 0;
	bool at_name;

	while (i < n) {
		if (!proxy_entry_at(s, n, i) || bg_ascii_starts_ci(s + i, n - i, "smtp:")) {
			i++;
			continue;
		}
		e = i + proxy_type(s + i, n - i);
		at_name = false;
		if (s[i] == 'x' || s[i] == 'X') {
			while (e < n && !proxy_entry_at(s, n, e))
				e++;
			e = x_name_end(s, i, e); /* words after the name: untyped text, read */
			/* "X500:/o=.../cn=x@example.jp": read as text, its last word
			 * was stored as an identity of nobody; said with its line
			 * instead, as a pasted address must not go unsaid */
			at_name = memchr(s + i, '@', e - i) != NULL;
		} else {
			while (e < n && !strchr(" \t,;", s[e]))
				e++;
		}
		/* the text before it: SMTP entries, untyped text */
		if (i > from && (r = scan_text(t, s + from, i - from, line, noted)) < 0)
			return r;
		found += i > from ? r : 0;
		if (at_name) {
			t->c->sink->invalid(t->c->sink, line,
					    "an X500:/X400: alias entry (a directory name, no "
					    "mailbox) with an '@' in it: not imported",
					    s + i, e - i);
		} else if (!t->proxy_skipped++) {
			t->proxy_line = line;
			snprintf(t->proxy_first, sizeof(t->proxy_first), "%.*s",
				 shown_len(s + i, e - i, sizeof(t->proxy_first) - 1), s + i);
		}
		from = i = e;
	}
	if (n > from && (r = scan_text(t, s + from, n - from, line, noted)) < 0)
		return r;
	return found + (n > from ? r : 0);
}

static void sibling_columns(struct bg_table *t, const struct bg_row *hdr)
{
	char key[256], other[256];
	size_t klen, olen, n, m;
	const char *s, *o;

	if (!hdr || t->col >= hdr->n)
		return;
	s = cell_trimmed(&hdr->cells[t->col], &n);
	if (!n || !sibling_key(s, n, key, sizeof(key), &klen))
		return;
	for (size_t f = 0; f < hdr->n && f < MORE_COLS; f++) {
		if (f == t->col)
			continue;
		o = cell_trimmed(&hdr->cells[f], &m);
		if (!m || !sibling_key(o, m, other, sizeof(other), &olen))
			continue;
		if (olen != klen || memcmp(key, other, klen) != 0)
			continue;
		/* a sibling that is mostly something else (passwords) is not
		 * one: its cells are noted, hidden, as any other column's */
		if (!t->addrish[f] && column_filled(t, f))
			continue;
		t->more[f] = true;
	}
}

/* --- a W3C log's columns ----------------------------------------------------- */

/* The columns of a W3C log that name whose mail or login it was, in the
 * order a refusal suggests them. */
static const char *const log_user_cols[] = {
    "recipient-address", "sender-address", "cs-username", "Recipients", "Sender",
    "RecipientAddress",	 "SenderAddress"};

/* A W3C log's column that holds no one's mailbox: message ids, the return
 * path (a bounce address), subjects, URLs and queries ("?mail=x@y" of a
 * Referer is whoever the link was about), a browser's string. */
static bool log_unread_col(const char *s, size_t n)
{
	static const char *const names[] = {
	    "return-path", "message-subject", "reference", "message-info", "custom-data",
	    "cs-uri-stem", "cs-uri-query", "cs-uri", "cs(referer)", "cs(user-agent)", "cs(cookie)",
	    "cs-host", "s-computername",
	    /* PowerShell's names for them (trace_header) */
	    "ReturnPath", "MessageSubject", "Subject", "MessageInfo", "EventData", "SourceContext"};

	if (bg_msgid_name(s, n))
		return true;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == n && bg_ascii_strncasecmp(s, names[i], n) == 0)
			return true;
	return false;
}

/* Hex digits (a GUID's dashes with dash) for exactly n bytes. */
static bool all_hex(const char *s, size_t n, bool dash)
{
	for (size_t i = 0; i < n; i++)
		if (bg_ascii_hexval((unsigned char)s[i]) < 0 && !(dash && s[i] == '-'))
			return false;
	return n > 0;
}

/* A mail server's own mailbox by its local part: postmaster, MAILER-DAEMON,
 * Exchange's MicrosoftExchange<32 hex> (the system mailbox that sends its
 * reports) and HealthMailbox<32 hex> (its probes), SystemMailbox{GUID},
 * FederatedEmail.GUID.  No one logs in as them. */
static bool server_local(const char *s, size_t n)
{
	static const char *const whole[] = {"postmaster", "mailer-daemon"};
	static const struct {
		const char *prefix;
		size_t rest; /* hex digits (and dashes) after it */
		const char *close;
	} named[] = {{"microsoftexchange", 32, ""},
		     {"healthmailbox", 32, ""},
		     {"systemmailbox{", 36, "}"},
		     {"federatedemail.", 36, ""}};

	for (size_t i = 0; i < sizeof(whole) / sizeof(whole[0]); i++)
		if (strlen(whole[i]) == n && bg_ascii_strncasecmp(s, whole[i], n) == 0)
			return true;
	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
		size_t p = strlen(named[i].prefix), c = strlen(named[i].close);

		if (n == p + named[i].rest + c &&
		    bg_ascii_strncasecmp(s, named[i].prefix, p) == 0 &&
		    all_hex(s + p, named[i].rest, c > 0 || named[i].rest == 36) &&
		    memcmp(s + n - c, named[i].close, c) == 0)
			return true;
	}
	return false;
}

static int log_address(struct bg_sink *s, const char *a, size_t n, unsigned long line)
{
	struct bg_table *t = s->arg;
	const char *at = memrchr(a, '@', n);
	size_t b = at ? (size_t)(at - a) : 0, k = b;

	while (k > 0 && a[k - 1] != '<' && a[k - 1] != ' ' && a[k - 1] != '"')
		k--;
	if (at && server_local(a + k, b - k)) {
		bg_reader_note(t->c, line,
			       "a mail server's own address (postmaster, MAILER-DAEMON, an "
			       "Exchange system mailbox), not imported",
			       a, n);
		return 0;
	}
	return t->c->sink->address(t->c->sink, a, n, line);
}

/* A header row of PowerShell's message tracking export: Get-MessageTrackingLog
 * (Exchange: EventId, MessageId, Recipients, Sender) or Get-MessageTrace
 * (Exchange Online: MessageTraceId, RecipientAddress, SenderAddress) piped to
 * Export-Csv.  The same log as a W3C one (senders beside recipients, server
 * mailboxes, message ids): read as one, whose column is --column's. */
static bool trace_header(const struct bg_row *r)
{
	static const char *const sets[][3] = {
	    {"EventId", "Recipients", "Sender"},
	    {"MessageTraceId", "RecipientAddress", "SenderAddress"}};

	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		size_t k = 0;

		while (k < 3 && named_column(r, sets[i][k]) < r->n)
			k++;
		if (k == 3)
			return true;
	}
	return false;
}

int bg_table_log(struct bg_table *t)
{
	struct bg_addrtok *tok;

	if (bg_addrtok_new(&tok, bg_sink_filter(&t->filter, t->c->sink, log_address, t)) != 0)
		return bg_err_set(&t->c->err, -ENOMEM, "%s: out of memory", t->c->name);
	bg_addrtok_free(t->tok);
	t->tok = tok;
	t->log = true;
	return 0;
}

/* The log's columns of users that hdr has, quoted and joined by " or
 * --column ", into out; false when it has none. */
static bool log_user_list(const struct bg_row *hdr, char *out, size_t outlen)
{
	size_t o = 0;

	out[0] = '\0';
	for (size_t i = 0; i < sizeof(log_user_cols) / sizeof(log_user_cols[0]); i++) {
		if (named_column(hdr, log_user_cols[i]) == hdr->n)
			continue;
		int w = snprintf(out + o, outlen - o, "%s--column %s", o ? " or " : "",
				 log_user_cols[i]);

		if (w < 0 || (size_t)w >= outlen - o)
			break;
		o += (size_t)w;
	}
	return o > 0;
}

/* A column read of the log that holds no one's mailbox: refused, named. */
static int log_check_col(struct bg_table *t, const struct bg_row *hdr, size_t f)
{
	size_t n;
	const char *s;

	if (f >= hdr->n)
		return 0;
	s = cell_trimmed(&hdr->cells[f], &n);
	if (!log_unread_col(s, n))
		return 0;
	return bg_err_set(&t->c->err, -EINVAL,
			  "%s, line %lu: column %zu \"%.*s\" of this log holds no one's "
			  "mailbox (message ids, return paths, subjects, URLs): choose another "
			  "--column",
			  t->c->name, hdr->line, f + 1, shown_len(s, n, 60), s);
}

/* A W3C log's column (bg_table_log): its first row is the header, and the
 * column is the one --column names; without it, the log's columns of users
 * are named (the recipients of a message tracking log are usually the
 * exposed ones, but not always: no guess). */
static int log_column(struct bg_table *t)
{
	const char *column = t->c->opts.column;
	const struct bg_row *hdr = &t->held[0].r;
	char list[512], users[256], what[96];
	bool rcpt = named_column(hdr, "recipient-address") < hdr->n ||
		    named_column(hdr, "Recipients") < hdr->n ||
		    named_column(hdr, "RecipientAddress") < hdr->n;
	int r;

	if (t->trace)
		snprintf(what, sizeof(what),
			 "a PowerShell export of a message tracking log (its header at line %lu)",
			 hdr->line);
	else
		snprintf(what, sizeof(what), "a W3C extended log (#Fields: at line %lu)",
			 hdr->line);
	t->header = true;
	t->hdr = 0;
	t->secret_cols = true; /* a note shows the address cell, not the row */
	if (!column) {
		header_list(hdr, list, sizeof(list));
		if (log_user_list(hdr, users, sizeof(users)))
			return bg_err_set(&t->c->err, -EINVAL,
					  "%s: %s: choose whose addresses to import with %s%s",
					  t->c->name, what, users,
					  rcpt ? " (a message tracking log's recipients are "
						 "usually the exposed ones)"
					       : "");
		return bg_err_set(&t->c->err, -EINVAL,
				  "%s: %s with no column of users' addresses known: --column "
				  "chooses (the fields are: %s)",
				  t->c->name, what, list);
	}
	if (!t->numbered) {
		t->col = named_column(hdr, column);
		if (t->col == hdr->n) {
			header_list(hdr, list, sizeof(list));
			return bg_err_set(&t->c->err, -EINVAL,
					  "%s: no column \"%s\"; the %s at line %lu has: %s",
					  t->c->name, column, t->trace ? "header" : "#Fields: line",
					  hdr->line, list);
		}
		if ((r = named_more(t, hdr)) != 0)
			return r;
	}
	if ((r = log_check_col(t, hdr, t->col)) != 0)
		return r;
	for (size_t f = 0; f < MORE_COLS; f++)
		if (t->more[f] && (r = log_check_col(t, hdr, f)) != 0)
			return r;
	if (t->col < hdr->n) {
		size_t n;
		const char *s = cell_trimmed(&hdr->cells[t->col], &n);

		snprintf(t->why, sizeof(t->why), "no address in column \"%.*s\"",
			 shown_len(s, n, 60), s);
	} else {
		snprintf(t->why, sizeof(t->why), "no address in column %zu", t->col + 1);
	}
	return 0;
}

/* Decides the header and the address column from the held rows: the header
 * candidate (header_row), and the ones after it tell where the addresses are. */
static int choose_column(struct bg_table *t)
{
	const char *column = t->c->opts.column;
	const struct bg_row *first = NULL;
	char list[512];
	const char *s;
	size_t f, n;
	unsigned i, nrec = 0;
	int r, best_rank = 0, best_at_rank = 0;
	long by_name = -1, by_name_at = -1, first_at_col = -1;
	bool first_has_at = false, later_has_at = false;
	/* per column of the rows after the first: AT_SOME (an '@'), AT_CLEAN */
	unsigned char *at_later = calloc(BG_TABLE_COLS_MAX, 1);
	unsigned *counts = calloc(2 * (size_t)BG_TABLE_COLS_MAX, sizeof(unsigned));

	if (!at_later || !counts) {
		free(at_later);
		free(counts);
		return bg_err_set(&t->c->err, -ENOMEM, "%s: out of memory", t->c->name);
	}
	if (t->log) {
		free(at_later);
		free(counts);
		return log_column(t);
	}
	t->hdr = header_row(t);
	for (i = t->hdr; i < t->nheld; i++) {
		const struct bg_row *row = &t->held[i].r;

		if (row_blank(row))
			continue;
		if (!first)
			first = row;
		for (f = 0; f < row->n; f++) {
			if (nrec > 0 && f < BG_TABLE_COLS_MAX) {
				cell_trimmed(&row->cells[f], &n);
				counts[2 * f] += n > 0;
				counts[2 * f + 1] += cell_one_address(&row->cells[f]);
			}
			if (!cell_has_at(&row->cells[f]))
				continue;
			if (nrec == 0)
				first_has_at = true;
			else if (f < BG_TABLE_COLS_MAX) {
				later_has_at = true;
				at_later[f] = AT_SOME;
			}
			if (first_at_col < 0)
				first_at_col = (long)f;
		}
		nrec++;
	}
	for (f = 0; f < BG_TABLE_COLS_MAX; f++)
		if (at_later[f] && counts[2 * f + 1] * 4 >= counts[2 * f] * 3)
			at_later[f] |= AT_CLEAN;
	free(counts);
	if (t->nheld && !first)
		first = &t->held[t->hdr].r;
	if (column && !t->numbered) {
		/* The caller names a column: the first row is its header. */
		t->header = true;
		if (first)
			f = named_column(first, column);
		if (!first || f == first->n) {
			header_list(first, list, sizeof(list));
			free(at_later);
			if (t->sheet) {
				/* Another sheet may hold it: the caller decides. */
				snprintf(t->note, sizeof(t->note), "%s", list);
				t->skipped = true;
				return 0;
			}
			return bg_err_set(&t->c->err, -EINVAL,
					  "%s: no column \"%s\"; the header has: %s", t->c->name,
					  column, list);
		}
		t->col = f;
		if ((r = named_more(t, first)) != 0) {
			free(at_later);
			return r < 0 ? r : 0;
		}
		goto label;
	}
	if (nrec > 0 && !first_has_at) {
		for (f = 0; f < first->n; f++) {
			s = cell_trimmed(&first->cells[f], &n);
			r = bg_table_name_rank(s, n);
			if (r && (!best_rank || r < best_rank)) {
				best_rank = r;
				by_name = (long)f;
			}
			if (r && at_later[f] && (!best_at_rank || r < best_at_rank)) {
				best_at_rank = r;
				by_name_at = (long)f;
			}
		}
		if (by_name >= 0 || later_has_at)
			t->header = true;
	}
	if (t->numbered)
		goto label;
	if (by_name_at >= 0)
		t->col = (size_t)by_name_at;
	else if (by_name >= 0)
		t->col = (size_t)by_name;
	else if (first_at_col >= 0)
		t->col = first_address_column(t, first, at_later, (size_t)first_at_col);
	else
		t->col = 0;
	if (t->col == SIZE_MAX) {
		/* Message ids and passwords only: read as addresses, they would
		 * match nobody. */
		header_list(first, list, sizeof(list));
		free(at_later);
		t->col = 0;
		if (t->sheet) {
			snprintf(t->note, sizeof(t->note), "%s", list);
			t->skipped = true;
			return 0;
		}
		return bg_err_set(
		    &t->c->err, -EINVAL,
		    "%s: no column of addresses: the ones with an '@' below them are "
		    "named as message ids or passwords (the header has: %s); --column "
		    "chooses",
		    t->c->name, list);
	}
label:
	free(at_later);
	if (!column)
		more_columns(t);
	if (t->header)
		proxy_columns(t, &t->held[t->hdr].r, !column);
	pair_columns(t);
	/* A header naming a password column, or no header and more than one
	 * column (a combolist's second one): a row is never shown whole. */
	t->secret_cols = false;
	if (t->header && first) {
		for (size_t k = 0; k < first->n && !t->secret_cols; k++) {
			s = cell_trimmed(&first->cells[k], &n);
			t->secret_cols = n && bg_password_name(s, n);
		}
		/* a header whose names say nothing ("korisnik,lozinka"): any
		 * column may be a password's */
		if (!column && by_name < 0 && first->n > 1)
			t->secret_cols = true;
	} else if (first) {
		t->secret_cols = first->n > 1;
	}
	for (f = 0; f < MORE_COLS; f++)
		t->secret_cols = t->secret_cols || t->pairs[f];
	if (t->header && first && t->col < first->n) {
		s = cell_trimmed(&first->cells[t->col], &n);
		if (n) {
			snprintf(t->why, sizeof(t->why), "no address in column \"%.*s\"",
				 shown_len(s, n, 60), s);
			return 0;
		}
	}
	snprintf(t->why, sizeof(t->why), "no address in column %zu", t->col + 1);
	return 0;
}

/* --- rows ---------------------------------------------------------------- */

static void row_note(struct bg_table *cs, const struct bg_row *row, const char *why);

/* The account of cell s (n bytes) of column f: in a pair column its text to
 * the '/' (pair_cut), the password after it never read, said with its line
 * when it holds an '@'.  A column whose cell shows it holds pairs after its
 * rows were decided is one from there on; cells of it read before as two
 * addresses are said on that line.  Returns the length to read. */
static size_t pair_account(struct bg_table *t, const struct bg_row *row, size_t f, const char *s,
			   size_t n)
{
	const struct bg_cell c = {s, n};
	size_t cut, sl;
	int shape;

	if (!t->pairs[f]) {
		shape = pair_shape(&c);
		if (shape == 2)
			t->twos[f]++;
		if (shape != 1)
			return n;
		t->pairs[f] = t->secret_cols = true;
		if (t->twos[f]) {
			char why[256];

			snprintf(why, sizeof(why),
				 "column %zu holds account/password pairs (an address, '/' and "
				 "a password) from this line on: %lu cell(s) above with two "
				 "addresses joined by '/' were read as two accounts; check them "
				 "(a header \"ID/PW\" reads the column as pairs)",
				 f + 1, t->twos[f]);
			bg_reader_note(t->c, row->line, why, s, pair_cut(s, n, &sl));
		}
	}
	if ((cut = pair_cut(s, n, &sl)) == SIZE_MAX)
		return n;
	if (bg_addr_maybe(s + cut + sl, n - cut - sl)) {
		static const char hidden[] = "(the password, not shown)";

		bg_reader_note(t->c, row->line,
			       "a password (after the address and '/' of a column of "
			       "account/password pairs) is not imported",
			       hidden, sizeof(hidden) - 1);
	}
	return cut;
}

/* The first word of s (n bytes) from *from on that is an address with a
 * '?' in it and no URL's '=', '&' or '/': its offset and length, false when
 * there is none.  An export saved in an encoding without a character writes
 * '?' for it (Windows PowerShell 5.1's Export-Csv, ASCII by default: 山田@
 * or a domain 例え.jp become "??@", "??.jp"). */
static bool mangled_address(const char *s, size_t n, size_t *from, size_t *len)
{
	size_t i = *from, w;

	while (i < n) {
		while (i < n && strchr(" \t,;<>\"()|", s[i]))
			i++;
		for (w = i; w < n && !strchr(" \t,;<>\"()|", s[w]); w++)
			;
		if (w > i && memchr(s + i, '@', w - i) && memchr(s + i, '?', w - i) &&
		    !memchr(s + i, '=', w - i) && !memchr(s + i, '&', w - i) &&
		    !memchr(s + i, '/', w - i)) {
			*from = i;
			*len = w - i;
			return true;
		}
		i = w;
	}
	return false;
}

/* The text s (n bytes) of a cell through the tokeniser, an address mangled
 * by an export's encoding (mangled_address) noted instead: read with its
 * '?' dropped, "??@example.jp" was "invalid local part" and "a@m?ller.jp" a
 * host "m", both saying nothing of the cause, and a '?' the tokeniser kept
 * would match nobody (*noted: one was). */
static int scan_text(struct bg_table *t, const char *s, size_t n, unsigned long line, bool *noted)
{
	size_t from = 0, at = 0, len;
	int r, found = 0;

	while (mangled_address(s, n, &at, &len)) {
		if (at > from && (r = bg_addr_scan(t->tok, s + from, at - from, line)) < 0)
			return r;
		found += at > from ? r : 0;
		bg_reader_note(t->c, line,
			       "a '?' where the address had a character: the file was saved in an "
			       "encoding without it (Windows PowerShell 5.1's Export-Csv writes "
			       "ASCII unless given -Encoding UTF8); not imported, export it again",
			       s + at, len);
		*noted = true;
		from = at += len;
	}
	if (n > from && (r = bg_addr_scan(t->tok, s + from, n - from, line)) < 0)
		return r;
	return found + (n > from ? r : 0);
}

/* One cell of row through the tokeniser, its refusals noted (a NUL byte, bytes
 * not valid in the input's encoding: *noted).  Returns the addresses found (0:
 * none), or a negative errno. */
static int scan_cell(struct bg_table *t, const struct bg_row *row, size_t f, const char *where_in,
		     bool *noted)
{
	struct bg_reader_ctx *c = t->c;
	size_t n;
	const char *s = cell_trimmed(&row->cells[f], &n);

	if (memchr(s, '\0', n)) {
		char why[80];

		snprintf(why, sizeof(why), "NUL byte in the address%s", where_in);
		row_note(t, row, why);
		*noted = true;
		return 0;
	}
	/* Only the address cells must be UTF-8: a legacy name column elsewhere in
	 * the row does not cost the row. */
	if ((row->flags & BG_LINE_BAD_UTF8) && !bg_utf8_valid(s, n)) {
		char why[BG_ENC_NAME_MAX + 128], tail[96];

		snprintf(tail, sizeof(tail), " in the address%s", where_in);
		row_note(t, row, bg_reader_bad_bytes(c, tail, why, sizeof(why)));
		*noted = true;
		return 0;
	}
	/* "お問い合わせ：support@vendor.example.jp" on a workbook's cover sheet or
	 * a list's first line: the sender's contact, as in a mail's text.
	 * Before: it was stored as exposed. */
	if (bg_inquiry_line(s, n)) {
		row_note(t, row, bg_inquiry_why);
		*noted = true;
		return 0;
	}
	if (f < MORE_COLS && t->proxy[f])
		return proxy_cell(t, s, n, row->line, noted);
	if (f < MORE_COLS)
		n = pair_account(t, row, f, s, n);
	/* The cell's text through the one tokeniser: several addresses ("a@x; b@y"),
	 * a display name, Japanese punctuation, a cell wrapped inside its quotes. */
	return scan_text(t, s, n, row->line, noted);
}

/* A cell that is the name of a .NET list type: what Export-Csv writes for a
 * multi-valued property ("System.String[]", "System.Object[]",
 * "Microsoft.Exchange.Data.ProxyAddressCollection", "Microsoft.ActiveDirectory.
 * Management.ADPropertyValueCollection") when it was not joined. */
static bool type_name(const struct bg_cell *c)
{
	static const char *const prefixes[] = {"System.", "Microsoft."};
	size_t n;
	const char *s = cell_trimmed(c, &n);

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t p = strlen(prefixes[i]);

		if (n <= p || memcmp(s, prefixes[i], p) != 0)
			continue;
		for (size_t k = p; k < n; k++)
			if (!bg_ascii_isalpha((unsigned char)s[k]) &&
			    !(s[k] >= '0' && s[k] <= '9') && !strchr(".`[]", s[k]))
				return false;
		return true;
	}
	return false;
}

/* The cells of row other than the address column: the other columns read
 * (more: another address column of a table without a header, a numbered
 * sibling, a second --column) are read; an address anywhere else is noted
 * with its column, so that none is left out unsaid.  Returns the addresses
 * read, or a negative errno; *noted tells a cell read was refused. */
static int other_cells(struct bg_table *t, const struct bg_row *row, bool *noted)
{
	const struct bg_row *hdr = t->header ? &t->held[t->hdr].r : NULL;
	char why[256], name[80], in[96];
	bool secret, label;
	size_t f, n;
	const char *s;
	int r, found = 0;

	for (f = 0; f < row->n; f++) {
		if (f == t->col)
			continue;
		if (f < MORE_COLS && t->more[f] && type_name(&row->cells[f])) {
			/* an alias column exported unjoined: its addresses are lost */
			s = cell_trimmed(&row->cells[f], &n);
			snprintf(
			    why, sizeof(why),
			    "column %zu holds the type of a list, not its addresses: export "
			    "it joined (-join ';' in a Select-Object expression); not imported",
			    f + 1);
			bg_reader_note(t->c, row->line, why, s, n);
			*noted = true;
			continue;
		}
		if (f < MORE_COLS && t->more[f]) {
			snprintf(in, sizeof(in), " (column %zu)", f + 1);
			if ((r = scan_cell(t, row, f, in, noted)) < 0)
				return r;
			found += r;
			continue;
		}
		/* A log's other columns are other people's (senders beside
		 * recipients) or no one's (message ids): the column was chosen.
		 * An alias column --column leaves out was said once. */
		if (t->log || (f < MORE_COLS && t->unread_alias[f]))
			continue;
		if (!cell_one_address(&row->cells[f]) && !text_address(&row->cells[f]))
			continue;
		/* Shown only from a column of addresses (a manager's): one that
		 * is mostly not addresses, or named as a password's, may hold
		 * passwords (a combolist's second column). */
		secret = f >= MORE_COLS || !t->addrish[f];
		label = false;
		if (hdr && f < hdr->n && (s = cell_trimmed(&hdr->cells[f], &n), n)) {
			snprintf(name, sizeof(name), "column \"%.*s\"", shown_len(s, n, 60), s);
			label = bg_password_name(s, n);
			secret = secret || label;
		} else {
			snprintf(name, sizeof(name), "column %zu", f + 1);
		}
		snprintf(why, sizeof(why),
			 "an address in %s, not imported: this table's addresses are read from "
			 "column %zu (--column chooses, once for each column to read)",
			 name, t->col + 1);
		s = cell_trimmed(&row->cells[f], &n);
		/* A password column's value is never shown (the report is kept). */
		if (secret)
			s = hdr && label ? "(a password, not shown)" : "(not shown: a password?)",
			n = strlen(s);
		bg_reader_note(t->c, row->line, why, s, n);
	}
	return found;
}

/* A note on a whole row: its text, or, when a column may hold a password
 * (secret_cols), only the address column's cell. */
static void row_note(struct bg_table *cs, const struct bg_row *row, const char *why)
{
	static const char hidden[] = "(the row, not shown: it may hold a password)";
	const char *s;
	size_t n;

	if (!cs->secret_cols) {
		bg_reader_note(cs->c, row->line, why, row->shown, row->shown_len);
		return;
	}
	if (cs->col < row->n) {
		size_t cut, sl;

		s = cell_trimmed(&row->cells[cs->col], &n);
		/* a pair's password is not shown */
		if (cs->col < MORE_COLS && cs->pairs[cs->col] &&
		    (cut = pair_cut(s, n, &sl)) != SIZE_MAX)
			n = cut;
		bg_reader_note(cs->c, row->line, why, s, n);
		return;
	}
	bg_reader_note(cs->c, row->line, why, hidden, sizeof(hidden) - 1);
}

/* A log's row has a cell for each #Fields: name (a trailing blank's empty
 * one aside): else a cell that should have been quoted shifted the others,
 * and its column holds another one's value. */
static bool log_row_aligned(const struct bg_table *t, const struct bg_row *row)
{
	size_t want = t->held[t->hdr].r.n, n;

	if (row->n == want)
		return true;
	return row->n == want + 1 && (cell_trimmed(&row->cells[want], &n), n == 0);
}

/* A log's cell f of row is empty or "-", the W3C's "no value" (an
 * anonymous request's cs-username, a message without a sender): no one's
 * row to note. */
static bool log_unset(const struct bg_table *t, const struct bg_row *row, size_t f)
{
	size_t n;
	const char *s;

	if (!t->log)
		return false;
	if (f >= row->n)
		return true;
	s = cell_trimmed(&row->cells[f], &n);
	return n == 0 || (n == 1 && s[0] == '-');
}

/* Every column a log reads is unset in row (log_unset). */
static bool log_unset_all(const struct bg_table *t, const struct bg_row *row)
{
	if (!log_unset(t, row, t->col))
		return false;
	for (size_t f = 0; f < MORE_COLS; f++)
		if (t->more[f] && !log_unset(t, row, f))
			return false;
	return true;
}

/* Why a row gave no address: the column's (t->why), or, for a log's cell
 * that is a Windows account ("EXAMPLE\\taro" in IIS's cs-username, an NTLM
 * or Basic login), that it names an account, not a mailbox: the address it
 * stands for is nowhere in the log, and guessing one would match nobody. */
static const char *row_why(const struct bg_table *t, const struct bg_row *row)
{
	size_t n;
	const char *s, *bs;

	if (!t->log || t->col >= row->n)
		return t->why;
	s = cell_trimmed(&row->cells[t->col], &n);
	bs = memchr(s, '\\', n);
	if (!bs || bs == s || bs + 1 == s + n || memchr(s, '@', n))
		return t->why;
	return "a Windows account (DOMAIN\\user), not an address: not imported (its "
	       "mailbox's address is not in the log: import that list instead)";
}

static int data_row(struct bg_table *cs, const struct bg_row *row)
{
	struct bg_reader_ctx *c = cs->c;
	bool noted = row->noted;
	int r, found = 0;

	if (row_nothing(row))
		return 0;
	c->sink->record(c->sink);
	if (row->overflow) {
		row_note(cs, row, "record too long");
		return 0;
	}
	if (cs->log && !log_row_aligned(cs, row)) {
		row_note(cs, row,
			 cs->trace ? "a row whose cells do not line up with the header's names "
				     "(another count): not imported"
				   : "a row whose cells do not line up with the #Fields: names "
				     "(another count): not imported");
		return 0;
	}
	if (cs->col < row->n && type_name(&row->cells[cs->col])) {
		row_note(cs, row,
			 "PowerShell wrote the type of a list, not its addresses: export the "
			 "column joined (-join ';' in a Select-Object expression); not "
			 "imported");
		noted = true;
	} else if (cs->col < row->n && (found = scan_cell(cs, row, cs->col, "", &noted)) < 0) {
		return found;
	}
	/* A row is noted when none of the columns read gave an address: one
	 * with its address in a second column only (Outlook's "E-mail 2
	 * Address") is not.  With one column read, the note comes first. */
	if (!cs->reads_more && found == 0 && !noted && !log_unset(cs, row, cs->col))
		row_note(cs, row, row_why(cs, row));
	if ((r = other_cells(cs, row, &noted)) < 0)
		return r;
	if (cs->reads_more && found + r == 0 && !noted && !log_unset_all(cs, row))
		row_note(cs, row, row_why(cs, row));
	return 0;
}

static int table_data_row(struct bg_table *t, const struct bg_row *r)
{
	char at[256];
	int rc = data_row(t, r);

	if (rc < 0) {
		where(t, r->line, at, sizeof(at));
		bg_err_set(&t->c->err, rc, "%s: import stopped", at);
	}
	return rc;
}

/* The alias columns --column leaves out (unread_alias), once each at the
 * header: the admin chose the column, and a note on every row (as an
 * address in another column, "a password?") said nothing more. */
static void alias_unread(struct bg_table *t)
{
	const struct bg_row *hdr = &t->held[t->hdr].r;
	char why[256];
	size_t n;
	const char *s;

	for (size_t f = 0; f < hdr->n && f < MORE_COLS; f++) {
		if (!t->unread_alias[f])
			continue;
		s = cell_trimmed(&hdr->cells[f], &n);
		snprintf(why, sizeof(why),
			 "column %zu holds the users' other addresses (aliases): not read in "
			 "any row, as --column names another column (add --column %.*s to "
			 "read them too)",
			 f + 1, shown_len(s, n, 40), s);
		bg_reader_note(t->c, hdr->line, why, s, n);
	}
}

/* The entries of alias columns that are no mail address (proxy_cell), once
 * for the table: they are no one's mailbox, and a note on each (or a count
 * of invalid ones, as before) buried the rows that do need a look. */
static void alias_skipped(struct bg_table *t)
{
	char why[256];

	if (!t->proxy_skipped)
		return;
	snprintf(why, sizeof(why),
		 "%lu alias entr%s of no mail address (SIP:, SPO:, X500:, X400:, EUM:; the "
		 "first is on this line): not imported, the SMTP: ones are",
		 t->proxy_skipped, t->proxy_skipped == 1 ? "y" : "ies");
	bg_reader_note(t->c, t->proxy_line, why, t->proxy_first, strlen(t->proxy_first));
}

/* Decides, then replays the held rows: the first one is skipped when it is the
 * header. */
static int table_decide(struct bg_table *t)
{
	unsigned i;
	int rc;

	rc = choose_column(t);
	t->decided = true;
	for (size_t f = 0; f < MORE_COLS; f++)
		t->reads_more = t->reads_more || t->more[f];
	if (rc < 0 || t->skipped)
		return rc;
	if (t->header)
		alias_unread(t);
	for (i = 0; i < t->nheld; i++) {
		/* The header, and the title rows above it: an address in a title
		 * (a contact) is said, not imported. */
		if (t->header && i <= t->hdr) {
			const struct bg_row *r = &t->held[i].r;

			for (size_t f = 0; i < t->hdr && f < r->n; f++)
				if (cell_has_at(&r->cells[f])) {
					size_t n;
					const char *s = cell_trimmed(&r->cells[f], &n);

					bg_reader_note(t->c, r->line,
						       "a title row above the header: its address "
						       "is not imported",
						       s, n);
					break;
				}
			continue;
		}
		rc = table_data_row(t, &t->held[i].r);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int hold(struct bg_table *t, const struct bg_row *r)
{
	struct held_row *h = &t->held[t->nheld];
	size_t f, text = r->shown_len, n = r->n < BG_TABLE_COLS_MAX ? r->n : BG_TABLE_COLS_MAX;
	struct bg_cell *cells;
	char *p;

	for (f = 0; f < n; f++)
		text += r->cells[f].len;
	h->mem = malloc(n * sizeof(*cells) + text + 1);
	if (!h->mem)
		return -ENOMEM;
	cells = h->mem;
	p = (char *)(cells + n);
	h->r = *r;
	h->r.n = n;
	for (f = 0; f < n; f++) {
		memcpy(p, r->cells[f].s, r->cells[f].len);
		cells[f].s = p;
		cells[f].len = r->cells[f].len;
		p += r->cells[f].len;
	}
	memcpy(p, r->shown, r->shown_len);
	h->r.shown = p;
	h->r.cells = cells;
	t->nheld++;
	return 0;
}

int bg_table_row(struct bg_table *t, const struct bg_row *r)
{
	if (t->skipped)
		return 0;
	if (t->decided)
		return table_data_row(t, r);
	/* Blank rows say nothing about the header and yield nothing: not held. */
	if (row_nothing(r))
		return 0;
	if (hold(t, r) < 0)
		return bg_err_set(&t->c->err, -ENOMEM, "%s: out of memory", t->c->name);
	if (t->nheld < BG_TABLE_SNIFF)
		return 0;
	return table_decide(t);
}

int bg_table_end(struct bg_table *t, const char **skipped)
{
	int rc = 0;

	/* A sheet that is blank throughout has no header to miss. */
	if (!t->decided && !(t->sheet && t->nheld == 0))
		rc = table_decide(t);
	if (rc == 0)
		alias_skipped(t);
	if (skipped)
		*skipped = t->skipped ? t->note : NULL;
	return rc;
}

void bg_table_free(struct bg_table *t)
{
	unsigned i;

	if (!t)
		return;
	for (i = 0; i < t->nheld; i++)
		free(t->held[i].mem);
	bg_addrtok_free(t->tok);
	free(t);
}

/* The parser's record as a table row. */
static void csv_row(const struct csv_parser *p, struct bg_cell *cells, struct bg_row *r)
{
	size_t f;

	r->n = kept(p);
	for (f = 0; f < r->n; f++) {
		cells[f].s = p->buf + p->off[f];
		cells[f].len = p->flen[f];
	}
	r->cells = cells;
	r->overflow = p->overflow;
	r->noted = false;
}

/* A W3C log's "#Fields:" line, the one in force: its names (a copy) and line. */
struct log_fields {
	char *names;
	size_t len;
	unsigned long line;
};

/* The names of a "#Fields:" line s (n bytes), trimmed; false when s is no
 * such line. */
static bool fields_names(const char *s, size_t n, const char **names, size_t *len)
{
	if (!bg_ascii_starts_ci(s, n, "#fields:"))
		return false;
	*names = span_trimmed(s + 8, n - 8, len);
	return true;
}

/* A "#Fields:" line with other names than the one in force (lf): the rows
 * after it have other columns (logs of two servers or versions concatenated,
 * IIS logging other fields after a change).  The rows so far are read by the
 * old names (the table ends), the ones after by the new (a new table, its
 * --column looked up again).  A column given by number would name another
 * field from here on: refused.  Before, any change was refused. */
static int log_fields_change(struct bg_reader_ctx *c, struct bg_table **t, unsigned long line,
			     const struct log_fields *lf)
{
	int r;

	if (c->opts.column && column_number(c->opts.column, &(size_t){0}) != 0)
		return bg_err_set(&c->err, -EINVAL,
				  "%s, line %lu: a #Fields: line other than the one at line %lu: "
				  "the columns change here, and --column %s counts them: name the "
				  "column instead (--column with its #Fields: name)",
				  c->name, line, lf->line, c->opts.column);
	if ((r = bg_table_end(*t, NULL)) < 0)
		return r;
	bg_table_free(*t);
	*t = NULL;
	if ((r = bg_table_begin(t, c, NULL)) < 0)
		return r;
	return bg_table_log(*t);
}

/* A W3C log's directive line (csv_read): a "#Fields:" is the header row of
 * the rows after it; one that comes again with the same names is nothing
 * (IIS writes them again when it restarts), one with others changes the
 * columns (log_fields_change); any other directive is skipped, not counted. */
static int log_directive(struct bg_reader_ctx *c, struct bg_table **t, struct csv_parser *p,
			 struct bg_cell *cells, const char *s, size_t n, struct log_fields *lf)
{
	struct bg_row row;
	const char *names;
	size_t len;
	char *copy;
	int r;

	if (!fields_names(s, n, &names, &len))
		return 0;
	if (lf->names && len == lf->len && memcmp(names, lf->names, len) == 0)
		return 0;
	if (lf->names && (r = log_fields_change(c, t, p->line, lf)) < 0)
		return r;
	copy = malloc(len + 1);
	if (!copy)
		return bg_err_set(&c->err, -ENOMEM, "%s: out of memory", c->name);
	memcpy(copy, names, len);
	free(lf->names);
	lf->names = copy;
	lf->len = len;
	lf->line = p->line;
	record_start(p);
	feed(p, names, len);
	line_end(p);
	memset(&row, 0, sizeof(row));
	csv_row(p, cells, &row);
	row.line = p->line;
	row.shown = names;
	row.shown_len = len < SHOWN_MAX ? len : SHOWN_MAX;
	record_start(p);
	return bg_table_row(*t, &row);
}

/* A log's row before its first "#Fields:" line (the log was cut at its
 * start): whose address is in which cell is not known.  Said, not read. */
static void log_headless_row(struct bg_reader_ctx *c, unsigned long line)
{
	static const char hidden[] = "(the row, not shown)";

	c->sink->record(c->sink);
	bg_reader_note(c, line,
		       "a row before the log's first #Fields: line: its columns are not known; "
		       "not imported",
		       hidden, sizeof(hidden) - 1);
}

static int csv_read(struct bg_reader_ctx *c)
{
	struct bg_input *in = c->in;
	struct bg_err *err = &c->err;
	struct csv_parser *hp = NULL, *p = NULL;
	struct bg_table *t = NULL;
	struct bg_cell *cells = NULL;
	struct bg_row row;
	const char *head, *s;
	const char *name = c->name;
	char delim, shown[SHOWN_MAX];
	long got;
	size_t n;
	unsigned flags;
	bool open_rec = false, log;
	struct log_fields lf = {NULL, 0, 0};
	int r = 0;

	memset(&row, 0, sizeof(row));
	got = bg_input_peek(in, &head, HEAD_MAX);
	if (got < 0) {
		r = (int)got;
		if (bg_err_copy(err, bg_input_error(in)) == 0)
			bg_err_errno(err, r, name);
		goto out;
	}
	r = bg_table_begin(&t, c, NULL);
	if (r < 0)
		goto out;
	hp = calloc(1, sizeof(*hp));
	p = calloc(1, sizeof(*p));
	cells = calloc(CSV_FIELDS_MAX, sizeof(*cells));
	if (!hp || !p || !cells) {
		r = -ENOMEM;
		goto nomem;
	}
	hp->cap = (size_t)got + 16;
	hp->buf = malloc(hp->cap);
	p->cap = CSV_REC_MAX;
	p->buf = malloc(p->cap);
	if (!hp->buf || !p->buf) {
		r = -ENOMEM;
		goto nomem;
	}
	log = bg_w3c_fields(head, (size_t)got, &delim) != 0;
	if (!log)
		sniff(hp, head, (size_t)got, got < HEAD_MAX, name, &delim);
	else if ((r = bg_table_log(t)) < 0)
		goto out;
	p->delim = delim;

	record_start(p);
	for (;;) {
		r = bg_input_getline(in, &s, &n, &flags, err);
		if (r < 0)
			goto out;
		if (r == 0)
			break;
		p->line = bg_input_lineno(in);
		if (p->line == 1 && (sep_line(s, n, &delim) || type_line(s, n)))
			continue;
		if (log && !open_rec && n && s[0] == '#') {
			if ((r = log_directive(c, &t, p, cells, s, n, &lf)) < 0)
				goto out;
			continue;
		}
		if (log && !lf.names) {
			size_t m;

			if (span_trimmed(s, n, &m), m)
				log_headless_row(c, p->line);
			continue;
		}
		if (!open_rec) {
			row.line = p->line;
			row.flags = 0;
			row.shown_len = n < SHOWN_MAX ? n : SHOWN_MAX;
			memcpy(shown, s, row.shown_len);
			row.shown = shown;
			open_rec = true;
		}
		row.flags |= flags;
		feed(p, s, n);
		if (flags & BG_LINE_TOO_LONG) {
			/* The cut hid the rest of the line, quotes included: the record
			 * ends here rather than swallowing the lines after it. */
			p->overflow = true;
			p->in_quotes = p->quote_seen = false;
		}
		if (!line_end(p))
			continue;
		open_rec = false;
		csv_row(p, cells, &row);
		if (!log && !t->nheld && !t->decided && trace_header(&row)) {
			if ((r = bg_table_log(t)) < 0)
				goto out;
			t->trace = true;
		}
		r = bg_table_row(t, &row);
		if (r < 0)
			goto out;
		record_start(p);
	}
	if (open_rec && p->in_quotes) {
		r = bg_err_set(err, -EBADMSG, "%s: unterminated quoted field opened at line %lu",
			       name, p->quote_line);
		goto out;
	}
	r = bg_table_end(t, NULL);
	goto out;
nomem:
	bg_err_set(err, -ENOMEM, "%s: out of memory", name);
out:
	free(lf.names);
	bg_table_free(t);
	if (hp)
		free(hp->buf);
	free(hp);
	if (p)
		free(p->buf);
	free(p);
	free(cells);
	return r;
}

unsigned long bg_trace_head(const char *h, size_t len)
{
	struct csv_parser *p = calloc(1, sizeof(*p));
	struct bg_cell *cells = calloc(CSV_FIELDS_MAX, sizeof(*cells));
	struct bg_row row;
	size_t pos = 0, n;
	const char *s;
	unsigned long line = 0, found = 0;

	if (!p || !cells || !(p->buf = malloc(len + 16)))
		goto out;
	p->cap = len + 16;
	p->delim = ',';
	if (len >= 3 && memcmp(h, "\xef\xbb\xbf", 3) == 0)
		pos = 3;
	/* the header is the first line, or the second after "#TYPE " */
	while (line < 2 && head_line(h, len, &pos, &s, &n)) {
		line++;
		if (line == 1 && type_line(s, n))
			continue;
		record_start(p);
		feed(p, s, n);
		line_end(p);
		memset(&row, 0, sizeof(row));
		csv_row(p, cells, &row);
		if (trace_header(&row))
			found = line;
		break;
	}
out:
	if (p)
		free(p->buf);
	free(p);
	free(cells);
	return found;
}

const struct bg_reader bg_reader_csv = {
    .name = "csv",
    .probe = csv_probe,
    .read = csv_read,
};
