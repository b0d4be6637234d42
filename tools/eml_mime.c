/* eml_mime.c: the structure of a message (see eml_mime.h). */
#include "eml_mime.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "eml_decode.h"
#include "unicode.h"

static bool ieq(const char *a, size_t n, const char *lit)
{
	return strlen(lit) == n && strncasecmp(a, lit, n) == 0;
}

static bool istarts(const char *a, size_t n, const char *lit)
{
	size_t l = strlen(lit);

	return n >= l && strncasecmp(a, lit, l) == 0;
}

/* --- header fields ---------------------------------------------------------- */

static void lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s + 32);
}

static void copy_param(char *dst, size_t cap, const char *v, size_t n, bool append)
{
	size_t have = append ? strlen(dst) : 0;

	if (have + n >= cap)
		n = cap - 1 - have;
	memcpy(dst + have, v, n);
	dst[have + n] = '\0';
}

/* "type/sub; a=b; c="d e"" -> the parameters we use. */
static void parse_params(struct bg_eml_ent *e, const char *v, bool is_type)
{
	const char *p = v;
	char val[BG_EML_HEADER_MAX + 1];

	if (is_type) {
		size_t n = 0;

		while (*p == ' ' || *p == '\t')
			p++;
		while (*p && *p != ';' && *p != ' ' && *p != '\t' && n + 1 < sizeof(e->type))
			e->type[n++] = *p++;
		e->type[n] = '\0';
		lower(e->type);
		e->have_type = n > 0;
	}
	while ((p = strchr(p, ';')) != NULL) {
		char pname[64] = "";
		size_t pn = 0, vn = 0, bl;
		bool ext, first;
		const char *star;

		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		while (*p && *p != '=' && *p != ';' && pn + 1 < sizeof(pname))
			pname[pn++] = *p++;
		while (pn && (pname[pn - 1] == ' ' || pname[pn - 1] == '\t'))
			pn--;
		pname[pn] = '\0';
		lower(pname);
		if (*p != '=')
			continue;
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '"') {
			for (p++; *p && *p != '"'; p++) {
				if (*p == '\\' && p[1])
					p++;
				val[vn++] = *p;
			}
			if (*p == '"')
				p++;
		} else {
			while (*p && *p != ';' && *p != ' ' && *p != '\t')
				val[vn++] = *p++;
		}
		val[vn] = '\0';
		/* name*0*=..., name*1=...: continuations of one value. */
		ext = pn && pname[pn - 1] == '*';
		if (ext)
			pname[--pn] = '\0';
		star = strchr(pname, '*');
		bl = star ? (size_t)(star - pname) : pn;
		first = !star || strcmp(star, "*0") == 0;
		if (ext && first && (ieq(pname, bl, "filename") || ieq(pname, bl, "name"))) {
			const char *q = memchr(val, '\'', vn);
			size_t cl = q ? (size_t)(q - val) : 0;

			if (cl < sizeof(e->name_cs)) {
				memcpy(e->name_cs, val, cl);
				e->name_cs[cl] = '\0';
			}
		}
		if (ext)
			vn = bg_eml_pct_decode(val, vn, first);
		if (ieq(pname, bl, "boundary")) {
			if (vn > BG_EML_BOUNDARY_MAX)
				e->boundary_cut = true;
			copy_param(e->boundary, sizeof(e->boundary), val, vn, !first);
		} else if (ieq(pname, bl, "charset") && is_type) {
			copy_param(e->charset, sizeof(e->charset), val, vn, !first);
			lower(e->charset);
		} else if ((ieq(pname, bl, "filename") && !is_type) ||
			   (ieq(pname, bl, "name") && is_type && (!e->name[0] || !first))) {
			copy_param(e->name, sizeof(e->name), val, vn, !first);
		}
	}
}

static void header_done(struct bg_eml_mime *m)
{
	char *v = memchr(m->hb, ':', m->hlen);
	size_t nl;

	if (!v)
		return;
	nl = (size_t)(v - m->hb);
	while (nl && (m->hb[nl - 1] == ' ' || m->hb[nl - 1] == '\t'))
		nl--;
	v++;
	/* Of the addressing fields only From: is kept (the sender's own address
	 * in its signature is no exposed one); their addresses are never read. */
	if (ieq(m->hb, nl, "from")) {
		const char *lt = strchr(v, '<'), *gt = lt ? strchr(lt, '>') : NULL;
		const char *a = v, *e;

		if (lt && gt) {
			a = lt + 1;
			e = gt;
		} else {
			while (*a == ' ' || *a == '\t')
				a++;
			e = a + strcspn(a, " \t(");
		}
		if (memchr(a, '@', (size_t)(e - a)) && (size_t)(e - a) < sizeof(m->from))
			snprintf(m->from, sizeof(m->from), "%.*s", (int)(e - a), a);
	} else if (ieq(m->hb, nl, "content-type")) {
		parse_params(&m->e, v, true);
	} else if (ieq(m->hb, nl, "content-disposition")) {
		char keep[sizeof(m->e.name)];

		memcpy(keep, m->e.name, sizeof(keep));
		m->e.name[0] = '\0';
		while (*v == ' ' || *v == '\t')
			v++;
		if (istarts(v, strlen(v), "attachment"))
			m->e.attachment = true;
		parse_params(&m->e, v, false);
		if (!m->e.name[0])
			memcpy(m->e.name, keep, sizeof(keep));
	} else if (ieq(m->hb, nl, "content-transfer-encoding")) {
		size_t n = 0;

		while (*v == ' ' || *v == '\t')
			v++;
		while (*v && *v != ' ' && *v != '\t' && *v != ';' && n + 1 < sizeof(m->e.cte_name))
			m->e.cte_name[n++] = *v++;
		m->e.cte_name[n] = '\0';
		lower(m->e.cte_name);
		if (strcmp(m->e.cte_name, "base64") == 0)
			m->e.cte = BG_EML_CTE_B64;
		else if (strcmp(m->e.cte_name, "quoted-printable") == 0)
			m->e.cte = BG_EML_CTE_QP;
		else
			m->e.cte = BG_EML_CTE_IDENT;
	}
	m->hlen = 0;
}

void bg_eml_headers_begin(struct bg_eml_mime *mm, unsigned long line)
{
	memset(&mm->e, 0, sizeof(mm->e));
	mm->e.line = line;
	mm->hlen = 0;
	mm->st = BG_EML_HEADERS;
}

void bg_eml_mime_begin(struct bg_eml_mime *mm, unsigned long first)
{
	mm->nfr = 0;
	mm->from[0] = '\0';
	bg_eml_headers_begin(mm, first);
}

void bg_eml_headers_flush(struct bg_eml_mime *mm)
{
	if (mm->st == BG_EML_HEADERS)
		header_done(mm);
}

bool bg_eml_header_line(struct bg_eml_mime *mm, const char *s, size_t n)
{
	if (n && (s[0] == ' ' || s[0] == '\t') && mm->hlen) {
		size_t room = BG_EML_HEADER_MAX - mm->hlen;

		/* folding: the line break goes, the white space stays */
		memcpy(mm->hb + mm->hlen, s, n < room ? n : room);
		mm->hlen += n < room ? n : room;
		mm->hb[mm->hlen] = '\0';
		return true;
	}
	header_done(mm);
	if (n && bg_eml_header_start(s, n)) {
		mm->hlen = n < BG_EML_HEADER_MAX ? n : BG_EML_HEADER_MAX;
		memcpy(mm->hb, s, mm->hlen);
		mm->hb[mm->hlen] = '\0';
		return true;
	}
	mm->st = BG_EML_BODY;
	return false;
}

/* --- parts and boundaries ------------------------------------------------------ */

const char *bg_eml_multipart_open(struct bg_eml_mime *mm, const char *type)
{
	struct bg_eml_frame *f;

	if (!mm->e.boundary[0] || mm->e.boundary_cut)
		return mm->e.boundary_cut
			   ? "multipart boundary longer than 200 characters; part skipped"
			   : "multipart without a boundary; part skipped";
	if (mm->nfr == BG_EML_DEPTH_MAX)
		return "multipart nested more than 16 deep; part skipped";
	f = &mm->fr[mm->nfr++];
	memset(f, 0, sizeof(*f));
	f->blen = strlen(mm->e.boundary);
	memcpy(f->boundary, mm->e.boundary, f->blen + 1);
	f->line = mm->e.line;
	f->alternative = strcmp(type, "multipart/alternative") == 0;
	return NULL; /* the preamble follows: ignored */
}

/* A boundary line of an open multipart: returns its frame index, or -1. */
/* A boundary line of an open multipart: returns its frame index, or -1. */
int bg_eml_boundary_of(const struct bg_eml_mime *m, const char *s, size_t n, bool *close)
{
	if (!m->nfr || n < 3 || s[0] != '-' || s[1] != '-')
		return -1;
	while (n > 2 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	for (int i = m->nfr - 1; i >= 0; i--) {
		const struct bg_eml_frame *f = &m->fr[i];

		if (n < 2 + f->blen || memcmp(s + 2, f->boundary, f->blen) != 0)
			continue;
		if (n == 2 + f->blen) {
			*close = false;
			return i;
		}
		if (n == 4 + f->blen && s[2 + f->blen] == '-' && s[3 + f->blen] == '-') {
			*close = true;
			return i;
		}
	}
	return -1;
}

const struct bg_eml_frame *bg_eml_unclosed(struct bg_eml_mime *mm, int k)
{
	return mm->nfr > k + 1 ? &mm->fr[--mm->nfr] : NULL;
}

void bg_eml_boundary(struct bg_eml_mime *mm, bool close, unsigned long next_line)
{
	if (close) {
		mm->nfr--;
		mm->st = BG_EML_BODY; /* the epilogue: ignored */
		return;
	}
	mm->fr[mm->nfr - 1].part++;
	bg_eml_headers_begin(mm, next_line);
}

/* What to do with a leaf part's body.  Only the message's own text is read as
 * text here; anything attached (whatever its label says: application/vnd.ms-
 * excel, octet-stream, zip) is read by content, like a file.  Media and
 * signatures hold no list. */
enum bg_eml_kind bg_eml_ent_kind(const struct bg_eml_ent *e)
{
	const char *t = e->have_type ? e->type : "text/plain";
	bool named = e->name[0] != '\0';

	if (strncmp(t, "image/", 6) == 0 || strncmp(t, "audio/", 6) == 0 ||
	    strncmp(t, "video/", 6) == 0 || strcmp(t, "application/pgp-signature") == 0 ||
	    strcmp(t, "application/pkcs7-signature") == 0 ||
	    strcmp(t, "application/x-pkcs7-signature") == 0 ||
	    strcmp(t, "application/pgp-keys") == 0)
		return BG_EML_SKIP;
	if (!named && !e->attachment) {
		if (strcmp(t, "text/html") == 0)
			return BG_EML_HTML;
		if (strcmp(t, "text/plain") == 0 || strcmp(t, "text/enriched") == 0 ||
		    strcmp(t, "text/markdown") == 0)
			return BG_EML_TEXT;
	}
	return BG_EML_ATTACH;
}

/* The name as shown: RFC 2231 and 2047 decoded, raw 8-bit names (old Japanese
 * mailers) read as CP932, control characters out. */
void bg_eml_ent_name(struct bg_eml_ent *e, char *shown, size_t len)
{
	char conv[sizeof(e->name)];
	size_t n;

	if (e->name_cs[0] &&
	    bg_eml_to_utf8(e->name_cs, e->name, strlen(e->name), conv, sizeof(conv)))
		memcpy(e->name, conv, sizeof(conv));
	if (strstr(e->name, "=?"))
		bg_eml_decode_words(e->name, sizeof(e->name));
	n = strlen(e->name);
	if (!bg_utf8_valid(e->name, n)) {
		if (bg_eml_to_utf8("CP932", e->name, n, conv, sizeof(conv)))
			memcpy(e->name, conv, sizeof(conv));
		else
			for (char *p = e->name; *p; p++)
				if ((unsigned char)*p >= 0x80)
					*p = '?';
	}
	for (char *p = e->name; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	snprintf(shown, len, "%s", e->name[0] ? e->name : "(unnamed)");
}

/* --- lines that say what the file is ---------------------------------------------- */

bool bg_eml_header_start(const char *s, size_t n)
{
	size_t i = 0;

	/* field-name: printable ASCII but ':' and space, then ':' */
	while (i < n && s[i] > ' ' && s[i] < 127 && s[i] != ':')
		i++;
	return i > 0 && i < n && s[i] == ':';
}

/* "From sender Mon Jan 12 09:00:00 2026": the date's time tells it from a
 * sentence that happens to begin with "From ". */
bool bg_eml_mbox_from(const char *s, size_t n)
{
	if (n < 8 || memcmp(s, "From ", 5) != 0 || s[5] == ' ')
		return false;
	for (size_t i = 6; i + 3 < n; i++)
		if (s[i] >= '0' && s[i] <= '9' && s[i + 1] == ':' && s[i + 2] >= '0' &&
		    s[i + 2] <= '9' && s[i + 3] >= '0' && s[i + 3] <= '9')
			return true;
	return false;
}
