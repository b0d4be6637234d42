/* test_fastpath.c: the fast paths for plain ASCII give exactly what the
 * general code gives.  The tokeniser with bg_addrtok_fastpath on and off, on
 * lines in the forms bench/gen.c writes, random lines over the characters it
 * cuts at (brackets, quotes, defanged forms, '@' alone, mailto:, URLs, tabs,
 * full-width and CJK text) and every line of tests/fixtures, with the replay
 * of repeated lines on and off: the sink sees the same calls.  bg_normalise (with its ASCII fast
 * path) against bg_normalise_general on generated addresses in the forms bench/gen.c writes, random
 * strings over an alphabet of the characters each check looks at, addresses at every length limit,
 * every line and word of tests/fixtures, with several options and output sizes: same result, same
 * bytes. */
#include <dirent.h>
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>
#include <uniwidth.h>

#include <stdarg.h>

#include "addrtok.h"
#include "identity.h"
#include "t.h"
#include "tsink.h"

static uint64_t rng = 0x243f6a8885a308d3ULL;

static uint64_t rnd(void) /* splitmix64 */
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static const char *const subaddr[] = {"", "+", "+-", "-", "x", ".", "+_=/", "a"};

static long n_compared, n_mismatch;

/* One input under every option set and a few output sizes. */
static void norm_same(const char *s, size_t n)
{
	static const size_t sizes[] = {BG_ID_MAX, 1, 2, 3, 4, 5, 8, 16, 40, 66, 67, 68, 70, 300};
	size_t n_sub = sizeof(subaddr) / sizeof(subaddr[0]);

	/* Non-ASCII text never takes the fast path: once, with the defaults (the
	 * general path loads libidn2 for it, which is slow). */
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			n_sub = 1;
	for (size_t si = 0; si < n_sub; si++) {
		for (int fold = n_sub == 1; fold < 2; fold++) {
			struct bg_norm_opts o = {.fold_case = fold != 0};

			snprintf(o.subaddress, sizeof(o.subaddress), "%s", subaddr[si]);
			for (size_t z = 0; z < sizeof(sizes) / sizeof(sizes[0]); z++) {
				char a[BG_ID_MAX], b[BG_ID_MAX];
				int ra, rb;

				/* the sizes other than the full one only for ASCII-clean input,
				 * with the default options: enough to reach every bound */
				if (z > 0 && (si > 2 || fold == 0))
					break;
				memset(a, 0x55, sizeof(a));
				memset(b, 0x55, sizeof(b));
				ra = bg_normalise(s, n, &o, a, sizes[z]);
				rb = bg_normalise_general(s, n, &o, b, sizes[z]);
				n_compared++;
				if (ra != rb || (ra > 0 && memcmp(a, b, (size_t)ra + 1) != 0)) {
					if (n_mismatch++ < 20)
						fprintf(
						    stderr,
						    "normalise differs: \"%.*s\" (sub \"%s\", fold "
						    "%d, outlen %zu): %d \"%s\" against %d "
						    "\"%s\"\n",
						    (int)n, s, o.subaddress, fold, sizes[z], ra,
						    ra > 0 ? a : "", rb, rb > 0 ? b : "");
				}
			}
		}
	}
}

static void norm_str(const char *s)
{
	norm_same(s, strlen(s));
}

/* --- the tokeniser ------------------------------------------------------------ */

struct tokpair {
	struct ts_log ls[2];
	struct bg_addrtok *t[2];
	long lines, mismatch;
};

static void tp_open(struct tokpair *p, bool repeats)
{
	memset(p, 0, sizeof(*p));
	for (int i = 0; i < 2; i++) {
		struct ts_log *l = &p->ls[i];

		ts_log_init(l, 0);
		if (bg_addrtok_new(&p->t[i], &l->sink) != 0)
			abort();
		bg_addrtok_empty(p->t[i], "no address on the line");
		bg_addrtok_repeats(p->t[i], repeats);
	}
	bg_addrtok_fastpath(p->t[1], false);
}

/* Compares what both logged so far, then starts the logs afresh. */
static void tp_check(struct tokpair *p)
{
	if (p->ls[0].len != p->ls[1].len || memcmp(p->ls[0].log, p->ls[1].log, p->ls[0].len) != 0) {
		if (p->mismatch++ < 5)
			fprintf(stderr, "tokens differ:\n--- fast\n%.*s--- general\n%.*s",
				(int)p->ls[0].len, p->ls[0].log, (int)p->ls[1].len, p->ls[1].log);
	}
	p->ls[0].len = p->ls[1].len = 0;
}

static void tp_line(struct tokpair *p, const char *s, size_t n, unsigned long line)
{
	int a = bg_addrtok_line(p->t[0], s, n, line), b = bg_addrtok_line(p->t[1], s, n, line);

	if (a != b)
		ts_logf(&p->ls[0], "R %d\n", a), ts_logf(&p->ls[1], "R %d\n", b);
	p->lines++;
	if (p->lines % 64 == 0)
		tp_check(p);
}

static long tp_close(struct tokpair *p)
{
	for (int i = 0; i < 2; i++)
		ts_logf(&p->ls[i], "F %d\n", bg_addrtok_flush(p->t[i]));
	tp_check(p);
	for (int i = 0; i < 2; i++) {
		bg_addrtok_free(p->t[i]);
		free(p->ls[i].log);
	}
	return p->mismatch;
}

/* One line in one of the forms bench/gen.c writes (k-th identity). */
static size_t gen_line(char *buf, size_t cap, uint64_t k)
{
	static const char *const given[] = {"anna", "ben", "carla", "david", "eva", "felix"};
	static const char *const fam[] = {"mueller", "schmidt", "tanaka", "suzuki"};
	static const char *const dom[] = {"gmail.com", "web.de", "example.co.jp",
					  "corp77.example.com", "b\303\274cher5.example"};
	const char *g = given[k % 6], *f = fam[(k / 6) % 4], *d = dom[(k / 24) % 5];
	int n;

	switch (rnd() % 5) {
	case 0:
		n = snprintf(buf, cap, "%s.%s%llu@%s", g, f, (unsigned long long)k, d);
		break;
	case 1:
		n = snprintf(buf, cap, "%c%s.%s%llu+news@%s", g[0] - 32, g + 1, f,
			     (unsigned long long)k, d);
		break;
	case 2:
		n = snprintf(buf, cap, "\"%c%s %c%s\" <%s.%s%llu@%s>", g[0] - 32, g + 1, f[0] - 32,
			     f + 1, g, f, (unsigned long long)k, d);
		break;
	case 3:
		n = snprintf(buf, cap, "mailto:%s.%s%llu@%s", g, f, (unsigned long long)k, d);
		break;
	default: /* junk */
		n = snprintf(buf, cap, "%s %s%llu", g, f, (unsigned long long)k);
		break;
	}
	return n > 0 ? (size_t)n : 0;
}

static void case_tok_generated(void)
{
	for (int rep = 0; rep < 2; rep++) {
		struct tokpair p;
		char buf[256];

		tp_open(&p, rep != 0);
		for (uint64_t k = 0; k < 60000; k++) {
			/* 10% repeats of a recent line, as the generator writes them */
			uint64_t id = (k > 10 && rnd() % 10 == 0) ? k - 1 - rnd() % 10 : k;

			tp_line(&p, buf, gen_line(buf, sizeof(buf), id), k + 1);
		}
		T_EQ_INT(tp_close(&p), 0);
	}
}

/* Random lines over the characters the tokeniser looks at. */
static void case_tok_random(void)
{
	static const char *const pieces[] = {"a",
					     "b",
					     "x",
					     "Z",
					     "0",
					     "7",
					     ".",
					     "-",
					     "_",
					     "+",
					     "@",
					     " @ ",
					     " ",
					     "  ",
					     ",",
					     ";",
					     ":",
					     "<",
					     ">",
					     "(",
					     ")",
					     "[",
					     "]",
					     "{",
					     "}",
					     "|",
					     "\"",
					     "\\",
					     "'",
					     "`",
					     "*",
					     "!",
					     "?",
					     "/",
					     "=",
					     "#",
					     "&",
					     "%",
					     "$",
					     "~",
					     "^",
					     "[at]",
					     "(dot)",
					     "[.]",
					     "{ at }",
					     "<@>",
					     "(at",
					     "mailto:",
					     "http://",
					     "email=",
					     "a@b.jp",
					     "x@example.co.jp",
					     ".com",
					     "\t",
					     "\xef\xbc\xa0",
					     "\xe3\x81\x82",
					     "\xe2\x80\x8b",
					     "\xff",
					     "\xe6\xa7\x98",
					     "\x01",
					     "\r",
					     "\n"};
	for (int rep = 0; rep < 2; rep++) {
		struct tokpair p;
		char buf[512];

		tp_open(&p, rep != 0);
		for (unsigned long line = 1; line <= 60000; line++) {
			size_t n = 0, parts = rnd() % 24;

			/* a copy of the line before now and then, blank lines, gaps */
			if (line > 1 && rnd() % 8 == 0) {
				tp_line(&p, buf, strlen(buf), line);
				continue;
			}
			for (size_t i = 0; i < parts; i++) {
				const char *q =
				    pieces[rnd() % (sizeof(pieces) / sizeof(pieces[0]))];
				size_t l = strlen(q);

				memcpy(buf + n, q, l);
				n += l;
			}
			buf[n] = '\0';
			if (rnd() % 50 == 0)
				line++;
			tp_line(&p, buf, n, line);
		}
		T_EQ_INT(tp_close(&p), 0);
	}
}

static struct tokpair *fix_tp;
static unsigned long fix_line;

/* The forms bench/gen.c writes, and their tokens. */
static void case_generated(void)
{
	static const char *const given[] = {"anna", "Ben", "CARLA", "d.avid", "e_va", "f-elix"};
	static const char *const dom[] = {"gmail.com",
					  "YAHOO.COM",
					  "corp12.example.com",
					  "example.co.jp",
					  "b\303\274cher3.example",
					  "xn--bcher-kva.example",
					  "a.xn--p1ai",
					  "web.de.",
					  "x_y.example.org"};
	static const char *const tags[] = {"", "+news", "+2021", "-work", "+x+y", "+"};
	char buf[512];

	for (int k = 0; k < 600; k++) {
		const char *g = given[k % 6], *d = dom[(k / 6) % 9], *t = tags[(k / 54) % 6];

		snprintf(buf, sizeof(buf), "%s.mueller%d%s@%s", g, k, t, d);
		norm_str(buf);
		snprintf(buf, sizeof(buf), "\"%s Mueller\" <%s.mueller%d%s@%s>", g, g, k, t, d);
		norm_str(buf);
		snprintf(buf, sizeof(buf), "mailto:%s%d%s@%s", g, k, t, d);
		norm_str(buf);
		snprintf(buf, sizeof(buf), " %s%d@%s ", g, k, d);
		norm_str(buf);
	}
	T_EQ_INT(n_mismatch, 0);
}

/* Random strings over the characters the checks look at. */
static void case_random(void)
{
	static const char alpha[] = "aaaaeeexnNXZ0129..--__++@@!#'*/=?^`{|}~\" <>:;,()[]\t\\";
	static const char *const pieces[] = {
	    "xn--",	    "XN--",	    "xn-",  "mailto:", "\xc3\xbc", "\xef\xbd\x81",
	    "\xef\xbc\xa0", "\xe2\x80\x8b", "\xff", "@",       ".",	   "..",
	    ".com",	    ".jp",	    ".c0m"};
	char buf[400];

	for (int k = 0; k < 200000; k++) {
		size_t n = rnd() % 48, o = 0;

		while (o < n) {
			if (rnd() % 8 == 0) {
				const char *p =
				    pieces[rnd() % (sizeof(pieces) / sizeof(pieces[0]))];
				size_t l = strlen(p);

				memcpy(buf + o, p, l);
				o += l;
			} else {
				buf[o++] = alpha[rnd() % (sizeof(alpha) - 1)];
			}
		}
		/* mostly one '@' in the middle, as addresses have */
		if (n > 2 && rnd() % 2)
			buf[rnd() % n] = '@';
		norm_same(buf, o);
	}
	T_EQ_INT(n_mismatch, 0);
}

static void fill(char *p, size_t n, char c)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (i % 7 == 6 && c != '.') ? '9' : c;
}

/* Every length around the limits: local part 64, label 63, domain 253,
 * input 2048, and the output sizes. */
static void case_limits(void)
{
	char buf[3000];

	for (size_t ll = 0; ll <= 70; ll++) {
		for (size_t dl = 0; dl <= 260; dl++) {
			size_t o = 0;

			if (dl > 10 && dl < 240 && dl % 17)
				continue;
			fill(buf, ll, 'a');
			o = ll;
			if (ll > 3 && ll % 3 == 0)
				buf[ll / 2] = '+';
			buf[o++] = '@';
			/* labels of up to 64, the last "com" or "c" */
			for (size_t d = 0; d < dl; d++)
				buf[o++] = (d % 64 == 63) ? '.' : (char)('a' + d % 26);
			if (dl % 2)
				memcpy(buf + o, ".com", 4), o += 4;
			else if (dl % 5 == 0)
				memcpy(buf + o, ".c", 2), o += 2;
			norm_same(buf, o);
		}
	}
	for (size_t lab = 60; lab <= 66; lab++) {
		size_t o = 0;

		memcpy(buf, "a@", 2);
		o = 2;
		fill(buf + o, lab, 'b');
		o += lab;
		memcpy(buf + o, ".example.com", 12);
		o += 12;
		norm_same(buf, o);
		/* the same label last (a top-level label of letters), and in the middle */
		memcpy(buf, "a@example.", 10);
		memset(buf + 10, 'c', lab); /* letters only: fill's digits would end it */
		norm_same(buf, 10 + lab);
		memcpy(buf, "a@x.", 4);
		fill(buf + 4, lab, 'd');
		memcpy(buf + 4 + lab, ".jp", 3);
		norm_same(buf, 7 + lab);
	}
	/* an A-label's prefix at every place near the domain's end */
	{
		static const char *const ends[] = {
		    "a@xn--",	     "a@x.xn--",       "a@x.xn--a", "a@x.xn-",
		    "a@xn--.jp",     "a@XN--b.jp",     "a@x.Xn--",  "a@b.xn--jp",
		    "a@xn.jp",	     "a@x.xnjp",       "a@xn-.jp",  "a@b.c.xn-",
		    "+a@b.jp",	     "a+@b.jp",	       "a++b@c.jp", "a@.b.jp",
		    "a@b..jp",	     "a@b.jp.",	       "a@b.j",	    "a@b.j1",
		    "a@b.1j",	     "@b.jp",	       "a@",	    "a@b",
		    "a@@b.jp",	     "a.@b.jp",	       ".a@b.jp",   "a..b@c.jp",
		    "a@-b.jp",	     "a@b-.jp",	       "a@b_c.jp",  "a@b.c_d",
		    "a!#$%&'*@b.jp", "a/=?^`{|}~@b.jp"};

		for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++)
			norm_str(ends[i]);
	}
	for (size_t n = 2040; n <= 2056; n++) {
		memset(buf, 'a', n);
		memcpy(buf + 1, "+", 1);
		memcpy(buf + n - 8, "@x.co.jp", 8);
		norm_same(buf, n);
	}
	T_EQ_INT(n_mismatch, 0);
}

/* Every line of the fixtures, and every blank-separated word in them. */
static void fixture_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char line[4096];

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		size_t n = strcspn(line, "\r\n");
		char *w, *save = NULL;

		norm_same(line, n);
		if (fix_tp)
			tp_line(fix_tp, line, n, ++fix_line);
		line[n] = '\0';
		for (w = strtok_r(line, " \t,;", &save); w; w = strtok_r(NULL, " \t,;", &save))
			norm_str(w);
	}
	fclose(f);
}

static void fixture_dir(const char *dir, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char p[1024];
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		if (stat(p, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode) && depth < 4)
			fixture_dir(p, depth + 1);
		else if (S_ISREG(st.st_mode) && st.st_size < 4 * 1024 * 1024)
			fixture_file(p);
	}
	closedir(d);
}

static void case_fixtures(void)
{
	long before = n_compared;

	struct tokpair p;

	tp_open(&p, true);
	fix_tp = &p;
	fixture_dir("tests/fixtures", 0);
	fix_tp = NULL;
	T_CHECK(p.lines > 1000);
	T_EQ_INT(tp_close(&p), 0);
	T_CHECK(n_compared > before + 1000);
	T_EQ_INT(n_mismatch, 0);
}

/* plain_ascii's sixteen bytes at a time (SSE2 where there is) against its
 * table: every byte value at every place among letters, then random blocks
 * over all 256 values. */
static void case_special16(void)
{
	char p[16];
	long bad = 0;

	for (unsigned c = 0; c < 256; c++)
		for (unsigned k = 0; k < 16; k++) {
			unsigned want = bg_addrtok_special((unsigned char)c) ? 1u << k : 0;

			memset(p, 'a', sizeof(p));
			p[k] = (char)c;
			if (bg_addrtok_special16(p) != want && bad++ < 5)
				fprintf(stderr, "  byte 0x%02x at %u: mask 0x%04x, want 0x%04x\n",
					c, k, bg_addrtok_special16(p), want);
		}
	for (int r = 0; r < 20000; r++) {
		unsigned want = 0;

		for (unsigned k = 0; k < 16; k++) {
			p[k] = (char)(rnd() & 0xff);
			if (bg_addrtok_special((unsigned char)p[k]))
				want |= 1u << k;
		}
		if (bg_addrtok_special16(p) != want && bad++ < 5)
			fprintf(stderr, "  random block: mask 0x%04x, want 0x%04x\n",
				bg_addrtok_special16(p), want);
	}
	T_CHECK(bad == 0);
	/* the set itself: what the fast path must look at */
	T_CHECK(bg_addrtok_special('@') && bg_addrtok_special('%') && bg_addrtok_special(' ') &&
		bg_addrtok_special(0x7f) && bg_addrtok_special(0x80) && bg_addrtok_special('\t'));
	T_CHECK(!bg_addrtok_special('a') && !bg_addrtok_special('.') && !bg_addrtok_special('~') &&
		!bg_addrtok_special('+') && !bg_addrtok_special('-') && !bg_addrtok_special('_'));
}

/* read_text's one look at a line (bg_line_marks: '#', ':' or '：', the first
 * '@'), sixteen bytes at a time with the last block overlapping, against
 * memchr and memmem: random lines of every length to 80 over the bytes it
 * looks for, '：''s three and letters. */
static void case_line_marks(void)
{
	static const char alpha[] = {'a', 'b',	      '.',	  '#',	      ':',
				     '@', (char)0xef, (char)0xbc, (char)0x9a, ' '};
	char line[80];
	long bad = 0;

	for (int r = 0; r < 40000; r++) {
		size_t n = (size_t)(rnd() % (sizeof(line) + 1));
		const char *at, *want_at;
		unsigned got, want;

		for (size_t k = 0; k < n; k++)
			line[k] = alpha[rnd() % (r % 3 ? 4 : sizeof(alpha))];
		got = bg_line_marks(line, n, &at);
		want_at = memchr(line, '@', n);
		want = (memchr(line, '#', n) ? BG_MARK_HASH : 0) |
		       (memchr(line, ':', n) || memmem(line, n, "\xef\xbc\x9a", 3) ? BG_MARK_COLON
										   : 0);
		if ((got != want || at != want_at) && bad++ < 5)
			fprintf(stderr, "  line of %zu: marks %u, want %u; '@' at %td, want %td\n",
				n, got, want, at ? at - line : -1, want_at ? want_at - line : -1);
	}
	T_CHECK(bad == 0);
}

/* bg_nfkc_fast against libunistring's NFKC (and, where it says letters, its
 * categories): every character of U+3000..U+30FF and U+FF00..U+FF7F between
 * letters, the ideographs' ends, random words of ASCII, full-width forms, kana,
 * ideographs, combining and spacing sound marks, half-width katakana, a
 * compatibility ideograph, broken UTF-8; every output size around a word's. */
static void case_nfkc_fast(void)
{
	static const char *const parts[] = {"a",
					    "Z",
					    "@",
					    ".",
					    "-",
					    "\xef\xbc\xa0",
					    "\xef\xbd\x81",
					    "\xef\xbc\x8e",
					    "\xef\xbd\x9e",
					    "\xef\xbd\x9f",
					    "\xef\xbc\x80",
					    "\xe3\x82\xa2" /* ア */,
					    "\xe3\x81\x8b" /* か */,
					    "\xe3\x82\x99" /* U+3099 */,
					    "\xe3\x82\x9b" /* ゛ */,
					    "\xe3\x83\xbc" /* ー */,
					    "\xe3\x83\xbe" /* ヾ */,
					    "\xe4\xb8\x80" /* 一 */,
					    "\xe9\xbf\xbf",
					    "\xef\xbd\xb1" /* ｱ */,
					    "\xef\xa4\x80" /* U+F900 */,
					    "\xe3\x80\x80" /* U+3000 */,
					    "\xef",
					    "\xe3\x82",
					    "\xc3\xa9",
					    "\xe2\x84\xa1"};
	long bad = 0, fast = 0;

	for (int r = 0; r < 40000 + 512; r++) {
		char w[96], out[96], ref[384];
		size_t n = 0, on = 0, rn = sizeof(ref);
		bool letters;
		uint8_t *x;

		if (r < 512) { /* U+3000 + r, U+FF00 + r - 256, between two letters */
			unsigned cp =
			    r < 256 ? 0x3000u + (unsigned)r : 0xff00u + (unsigned)(r - 256);

			w[n++] = 'a';
			w[n++] = (char)(0xe0 | (cp >> 12));
			w[n++] = (char)(0x80 | ((cp >> 6) & 0x3f));
			w[n++] = (char)(0x80 | (cp & 0x3f));
			w[n++] = 'b';
		} else {
			size_t k = rnd() % 8;

			for (size_t j = 0; j < k; j++) {
				const char *p = parts[rnd() % (sizeof(parts) / sizeof(parts[0]))];

				memcpy(w + n, p, strlen(p));
				n += strlen(p);
			}
		}
		x = u8_normalize(UNINORM_NFKC, (const uint8_t *)w, n, (uint8_t *)ref, &rn);
		for (size_t cap = n > 3 ? n - 3 : 0; cap <= n + 1 && cap < sizeof(out); cap++) {
			if (!bg_nfkc_fast(w, n, out, cap, &on, &letters))
				continue;
			fast++;
			if ((!x || rn != on || memcmp(ref, out, on) != 0) && bad++ < 5)
				fprintf(stderr, "  fast NFKC of \"%.*s\" differs\n", (int)n, w);
			if (on > cap && bad++ < 5)
				fprintf(stderr, "  fast NFKC wrote %zu bytes into %zu\n", on, cap);
			for (size_t i = 0; letters && i < on;) {
				ucs4_t u;
				int l = u8_mbtouc(&u, (const uint8_t *)out + i, on - i);

				if (u >= 0x80 && !uc_is_general_category(u, UC_CATEGORY_L) &&
				    bad++ < 5)
					fprintf(stderr, "  fast NFKC: U+%04X is no letter\n", u);
				i += l > 0 ? (size_t)l : 1;
			}
		}
		if (x && x != (uint8_t *)ref)
			free(x);
	}
	T_CHECK(bad == 0);
	T_CHECK(fast > 5000);
}

/* What one_line's kana and ideograph shortcut takes for granted, for every
 * code point of its ranges: a letter (no dash, symbol, other number), two
 * columns wide, not default-ignorable. */
static void case_cjk_letters(void)
{
	static const unsigned ranges[][2] = {{0x3041, 0x3096}, {0x30a1, 0x30fa}, {0x4e00, 0x9fff}};
	long bad = 0;

	for (size_t r = 0; r < sizeof(ranges) / sizeof(ranges[0]); r++)
		for (unsigned c = ranges[r][0]; c <= ranges[r][1]; c++)
			if (uc_width(c, "UTF-8") != 2 ||
			    !uc_is_general_category(c, UC_CATEGORY_L) ||
			    uc_is_general_category(c, UC_CATEGORY_Pd) ||
			    uc_is_general_category(c, UC_CATEGORY_No) ||
			    uc_is_property_default_ignorable_code_point(c))
				bad++;
	T_CHECK(bad == 0);
}

int main(int argc, char **argv)
{
	/* Kept loaded, so that the general path's dlopen per call is cheap. */
	void *idn2 = dlopen("libidn2.so.0", RTLD_NOW | RTLD_LOCAL);
	void *unistring = dlopen("libunistring.so.2", RTLD_NOW | RTLD_LOCAL);
	int rc;

	t_init(argc, argv);
	T_RUN(case_special16);
	T_RUN(case_line_marks);
	T_RUN(case_nfkc_fast);
	T_RUN(case_cjk_letters);
	T_RUN(case_tok_generated);
	T_RUN(case_tok_random);
	T_RUN(case_generated);
	T_RUN(case_random);
	T_RUN(case_limits);
	T_RUN(case_fixtures);
	if (!t_list_only)
		printf("normalise: %ld comparisons\n", n_compared);
	rc = t_done("test_fastpath");
	if (idn2)
		dlclose(idn2);
	if (unistring)
		dlclose(unistring);
	return rc;
}
