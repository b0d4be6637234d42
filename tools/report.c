/* report.c: `breachguard report`: hosts' scan --json outputs merged into the
 * fleet's totals (by verdict, per advisory, per host), the accounts still
 * pending, and rotation progress over time; printed as JSON or as one HTML
 * page with an inline SVG chart (no script, no external file).
 * The scans are parsed by a small strict parser for their one shape (an array
 * of objects): any other JSON is refused with the file, line and column. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ascii.h"
#include "cli.h"
#include "escape.h"
#include "report.h"
#include "safeopen.h"
#include "unicode.h"

#define MAX_DEPTH 32
#define MAX_STR (64 * 1024)
#define MAX_ACC_ADV 64 /* advisories kept per account */

enum { V_CLEAR, V_EXEMPT, V_ROTATED, V_ENFORCE, V_GRACE, V_NO_PASSWORD, V_CHANGE_BLOCKED, NV };
static const char *const vname[NV] = {"clear", "exempt",      "rotated",       "enforce",
				      "grace", "no-password", "change-blocked"};

static bool is_pending(int v)
{
	return v == V_ENFORCE || v == V_GRACE || v == V_NO_PASSWORD || v == V_CHANGE_BLOCKED;
}

struct host {
	char *name;
	const char *file; /* the first scan that named it */
	size_t claims;	  /* scans that name it: more than one, none is counted */
	uint64_t n[NV];
};

/* A scan file and the host it is the scan of (the host its accounts name, or
 * for an empty scan the one its file is named after): one per file. */
struct claim {
	const char *file;
	size_t host;
};

/* Advisories are told apart by name and date: one name with two dates is two
 * advisories (a bundle gives every host the same date; another date is another
 * import, whose grace and rotation evidence count from that day), counted
 * apart and reported as a conflict, never merged under one date. */
struct adv {
	char *key;	  /* "-" NAME undated, else "YYYY-MM-DD" NAME: the name index's key */
	const char *name; /* in key */
	char date[11];	  /* "" none */
	const char *file; /* the scan it was first seen in */
	bool shared;	  /* another advisory has its name */
	uint64_t n[NV];
};

struct acct {
	size_t host;
	char *user;
	int verdict;
	char since[11];	  /* newest advisory day: the exposure; "" none */
	char rotated[11]; /* day of rotated_at; "" none */
	size_t n_adv;
	size_t adv[MAX_ACC_ADV];
};

struct point {
	char date[11];
	uint64_t exposed, rotated;
};

/* Names to their index (hosts, advisories): a hostile scan may list a million
 * of either, and a linear search each would take hours.  slot[i]: index + 1,
 * 0 free; cap a power of two, at most half full. */
struct name_index {
	size_t *slot, cap;
};

struct bg_report {
	struct name_index host_ix, adv_ix;
	bool host_ix_lost; /* its rebuild ran out of memory: no more hosts taken */
	struct host *hosts;
	size_t n_hosts, cap_hosts;
	size_t n_counted; /* hosts named by one scan only: the others are refused */
	struct claim *claims;
	size_t n_claims, cap_claims;
	struct adv *advs;
	size_t n_advs, cap_advs;
	struct acct *accts;
	size_t n_accts, cap_accts;
	struct point *pts;
	size_t n_pts;
	uint64_t total[NV];
	uint64_t undated; /* rotated with no rotated_at (seen in shadow) */
	size_t *order;	  /* pending accounts, sorted */
	size_t n_order;
	size_t *shared; /* advisories whose name another has, by name then date */
	size_t n_shared;
};

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t n;
	void *q;

	if (need <= *cap)
		return 0;
	n = *cap ? *cap * 2 : 16;
	while (n < need)
		n *= 2;
	q = realloc(*p, n * size);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = n;
	return 0;
}

static size_t name_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return (size_t)h;
}

/* The slot of name: its entry, or the free slot where it goes. */
static size_t *ix_slot(const struct name_index *x, const char *name, char *const *names,
		       size_t stride)
{
	size_t i = name_hash(name) & (x->cap - 1);

	while (x->slot[i] &&
	       strcmp(*(char *const *)((const char *)names + (x->slot[i] - 1) * stride), name) != 0)
		i = (i + 1) & (x->cap - 1);
	return &x->slot[i];
}

/* Index of name, or SIZE_MAX (x empty or name absent). */
static size_t ix_find(const struct name_index *x, const char *name, char *const *names,
		      size_t stride)
{
	size_t *sl;

	if (!x->cap)
		return SIZE_MAX;
	sl = ix_slot(x, name, names, stride);
	return *sl ? *sl - 1 : SIZE_MAX;
}

/* Records names[n] (already stored) as entry n: 0 or -ENOMEM. */
static int ix_add(struct name_index *x, size_t n, char *const *names, size_t stride)
{
	if (2 * (n + 1) > x->cap) {
		struct name_index y = {NULL, x->cap ? 2 * x->cap : 64};

		while (2 * (n + 1) > y.cap)
			y.cap *= 2;
		if (!(y.slot = calloc(y.cap, sizeof(*y.slot))))
			return -ENOMEM;
		for (size_t i = 0; i < n; i++)
			*ix_slot(&y, *(char *const *)((const char *)names + i * stride), names,
				 stride) = i + 1;
		free(x->slot);
		*x = y;
	}
	*ix_slot(x, *(char *const *)((const char *)names + n * stride), names, stride) = n + 1;
	return 0;
}

static void ix_clear(struct name_index *x)
{
	free(x->slot);
	x->slot = NULL;
	x->cap = 0;
}

struct bg_report *bg_report_new(void)
{
	return calloc(1, sizeof(struct bg_report));
}

void bg_report_free(struct bg_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_hosts; i++)
		free(r->hosts[i].name);
	for (size_t i = 0; i < r->n_advs; i++)
		free(r->advs[i].key);
	for (size_t i = 0; i < r->n_accts; i++)
		free(r->accts[i].user);
	ix_clear(&r->host_ix);
	ix_clear(&r->adv_ix);
	free(r->hosts);
	free(r->claims);
	free(r->advs);
	free(r->accts);
	free(r->pts);
	free(r->order);
	free(r->shared);
	free(r);
}

/* --- the parser -------------------------------------------------------------- */

struct parser {
	const char *name;
	const char *s;
	size_t len, pos;
	char *err;
	size_t errlen;
	bool failed;
	char *scratch; /* MAX_STR + 8 bytes: strings are decoded here */
};

__attribute__((format(printf, 2, 3))) static int perr(struct parser *p, const char *fmt, ...)
{
	char msg[256], safe[1024];
	size_t line = 1, col = 1;
	va_list ap;

	if (p->failed)
		return -EINVAL;
	for (size_t i = 0; i < p->pos && i < p->len; i++) {
		if (p->s[i] == '\n') {
			line++;
			col = 1;
		} else if (((unsigned char)p->s[i] & 0xc0) != 0x80) {
			col++;
		}
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Host and user names come from the scans: escaped on their way out. */
	snprintf(p->err, p->errlen, "%s:%zu:%zu: %s", p->name, line, col,
		 bg_escape(msg, 0, safe, sizeof(safe)));
	p->failed = true;
	return -EINVAL;
}

static void ws(struct parser *p)
{
	while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
				   p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
		p->pos++;
}

static int peek(struct parser *p)
{
	ws(p);
	return p->pos < p->len ? (unsigned char)p->s[p->pos] : -1;
}

static int expect(struct parser *p, char c)
{
	if (peek(p) != (unsigned char)c)
		return p->pos < p->len ? perr(p, "expected '%c'", c)
				       : perr(p, "expected '%c', the file ends", c);
	p->pos++;
	return 0;
}

static int hex4(struct parser *p, unsigned *out)
{
	unsigned v = 0;

	if (p->len - p->pos < 4)
		return perr(p, "\\u escape cut short");
	for (int i = 0; i < 4; i++) {
		int h = bg_ascii_hexval((unsigned char)p->s[p->pos + (size_t)i]);

		if (h < 0)
			return perr(p, "\\u escape with a non-hex digit");
		v = v << 4 | (unsigned)h;
	}
	p->pos += 4;
	*out = v;
	return 0;
}

/* A string, decoded, NUL-free, valid UTF-8, into a malloc'd buffer (out may be
 * NULL: skipped). */
static int string(struct parser *p, char **out)
{
	char *o;
	size_t n = 0;

	if (out)
		*out = NULL;
	if (expect(p, '"') != 0)
		return -EINVAL;
	o = p->scratch;
	for (;;) {
		unsigned char c;

		if (p->pos >= p->len)
			return perr(p, "unterminated string");
		if (n > MAX_STR)
			return perr(p, "string longer than %d bytes", MAX_STR);
		c = (unsigned char)p->s[p->pos];
		if (c == '"') {
			p->pos++;
			break;
		}
		if (c < 0x20)
			return perr(p, "control character 0x%02x in a string", c);
		if (c == '\\') {
			static const char simple[] = "\"\\/bfnrt", meant[] = "\"\\/\b\f\n\r\t";
			const char *e;
			unsigned cp, lo;

			p->pos++;
			if (p->pos >= p->len)
				return perr(p, "unterminated string");
			c = (unsigned char)p->s[p->pos++];
			if (c != '\0' && (e = strchr(simple, c)) != NULL) {
				o[n++] = meant[e - simple];
				continue;
			}
			if (c != 'u') {
				p->pos--;
				return perr(p, "invalid escape \\%c", c);
			}
			if (hex4(p, &cp) != 0)
				return -EINVAL;
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return perr(p, "lone low surrogate in a \\u escape");
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (p->len - p->pos < 2 || p->s[p->pos] != '\\' ||
				    p->s[p->pos + 1] != 'u')
					return perr(p, "high surrogate without its low half");
				p->pos += 2;
				if (hex4(p, &lo) != 0)
					return -EINVAL;
				if (lo < 0xdc00 || lo > 0xdfff)
					return perr(p, "high surrogate without its low half");
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			}
			if (cp == 0)
				return perr(p, "NUL (\\u0000) in a string");
			n += bg_utf8_put(o + n, cp);
			continue;
		}
		{
			size_t k =
			    bg_utf8_seq((const unsigned char *)p->s + p->pos, p->len - p->pos);

			if (k == 0)
				return perr(p, "invalid UTF-8 in a string");
			memcpy(o + n, p->s + p->pos, k);
			n += k;
			p->pos += k;
		}
	}
	o[n] = '\0';
	if (out && !(*out = strdup(o)))
		return perr(p, "out of memory");
	return 0;
}

static int literal(struct parser *p, const char *word)
{
	size_t n = strlen(word);

	if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0)
		return perr(p, "invalid value");
	p->pos += n;
	return 0;
}

/* A JSON number (RFC 8259 grammar), its value when it is a small integer. */
static int number(struct parser *p)
{
	size_t st = p->pos;

	if (p->pos < p->len && p->s[p->pos] == '-')
		p->pos++;
	if (p->pos >= p->len || p->s[p->pos] < '0' || p->s[p->pos] > '9')
		return perr(p, "invalid number");
	if (p->s[p->pos] == '0')
		p->pos++;
	else
		while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
			p->pos++;
	if (p->pos < p->len && p->s[p->pos] == '.') {
		p->pos++;
		if (p->pos >= p->len || p->s[p->pos] < '0' || p->s[p->pos] > '9')
			return perr(p, "invalid number");
		while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
			p->pos++;
	}
	if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
		p->pos++;
		if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
			p->pos++;
		if (p->pos >= p->len || p->s[p->pos] < '0' || p->s[p->pos] > '9')
			return perr(p, "invalid number");
		while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
			p->pos++;
	}
	return p->pos > st ? 0 : perr(p, "invalid number");
}

/* The one loop over an object's members and an array's elements: member()
 * gets each key (key_at: where it starts, for messages) and reads its value;
 * element() reads each element.  A non-zero return stops and is returned.
 * empty_err, when not NULL, refuses an empty object at its '}'. */
typedef int (*member_fn)(struct parser *p, const char *key, size_t key_at, void *arg);
typedef int (*element_fn)(struct parser *p, void *arg);

/* After a member or element: 1 when a ',' says another follows, else the
 * closer expected (0, or a negative errno). */
static int next_item(struct parser *p, char close)
{
	if (peek(p) == ',') {
		p->pos++;
		return 1;
	}
	return expect(p, close);
}

static int object(struct parser *p, const char *empty_err, member_fn member, void *arg)
{
	if (expect(p, '{') != 0)
		return -EINVAL;
	if (peek(p) == '}') {
		if (empty_err)
			return perr(p, "%s", empty_err);
		p->pos++;
		return 0;
	}
	for (;;) {
		char *key = NULL;
		size_t key_at = p->pos;
		int rc;

		if (string(p, &key) != 0 || expect(p, ':') != 0) {
			free(key);
			return -EINVAL;
		}
		rc = member(p, key, key_at, arg);
		free(key);
		if (rc != 0 || (rc = next_item(p, '}')) != 1)
			return rc;
	}
}

static int array(struct parser *p, element_fn element, void *arg)
{
	if (expect(p, '[') != 0)
		return -EINVAL;
	if (peek(p) == ']') {
		p->pos++;
		return 0;
	}
	for (;;) {
		int rc = element(p, arg);

		if (rc != 0 || (rc = next_item(p, ']')) != 1)
			return rc;
	}
}

static int skip_value(struct parser *p, int depth);

static int skip_member(struct parser *p, const char *key, size_t key_at, void *arg)
{
	(void)key;
	(void)key_at;
	return skip_value(p, *(const int *)arg + 1);
}

static int skip_element(struct parser *p, void *arg)
{
	return skip_value(p, *(const int *)arg + 1);
}

/* Any value, checked and dropped (fields the report does not use). */
static int skip_value(struct parser *p, int depth)
{
	int c = peek(p);

	if (depth > MAX_DEPTH)
		return perr(p, "nested deeper than %d", MAX_DEPTH);
	switch (c) {
	case '"':
		return string(p, NULL);
	case 't':
		return literal(p, "true");
	case 'f':
		return literal(p, "false");
	case 'n':
		return literal(p, "null");
	case '[':
		return array(p, skip_element, &depth);
	case '{':
		return object(p, NULL, skip_member, &depth);
	case -1:
		return perr(p, "expected a value, the file ends");
	default:
		if (c == '-' || (c >= '0' && c <= '9'))
			return number(p);
		return perr(p, "expected a value");
	}
}

/* A day: "YYYY-MM-DD", or the start of an ISO time "YYYY-MM-DDT...Z". */
static int day_of(struct parser *p, const char *s, bool iso, char out[11])
{
	char d[11];
	long long t;

	if (strlen(s) < 10 ||
	    (iso ? strlen(s) != 20 || s[10] != 'T' || s[19] != 'Z' : strlen(s) != 10))
		return perr(p, "\"%.40s\" is not a %s", s,
			    iso ? "YYYY-MM-DDTHH:MM:SSZ time" : "YYYY-MM-DD date");
	memcpy(d, s, 10);
	d[10] = '\0';
	if (bg_parse_day(d, &t) != 0)
		return perr(p, "\"%s\" is not a valid date", d);
	memcpy(out, d, 11);
	return 0;
}

/* The advisory named name of day ("" none), added (first seen in file) when new. */
static int find_adv(struct bg_report *r, const char *name, const char day[11], const char *file,
		    size_t *out)
{
	size_t nl = strlen(name), dl = day[0] ? 10 : 1, i;
	char *key = malloc(dl + nl + 1);
	struct adv *ad;

	if (!key)
		return -ENOMEM;
	memcpy(key, day[0] ? day : "-", dl);
	memcpy(key + dl, name, nl + 1);
	i = r->n_advs ? ix_find(&r->adv_ix, key, &r->advs->key, sizeof(*r->advs)) : SIZE_MAX;
	if (i != SIZE_MAX) {
		free(key);
		*out = i;
		return 0;
	}
	if (grow((void **)&r->advs, &r->cap_advs, r->n_advs + 1, sizeof(*r->advs)) != 0) {
		free(key);
		return -ENOMEM;
	}
	ad = &r->advs[r->n_advs];
	memset(ad, 0, sizeof(*ad));
	ad->key = key;
	ad->name = key + dl;
	memcpy(ad->date, day, 11);
	ad->file = file;
	if (ix_add(&r->adv_ix, r->n_advs, &r->advs->key, sizeof(*r->advs)) != 0) {
		free(key);
		ad->key = NULL;
		return -ENOMEM;
	}
	*out = r->n_advs++;
	return 0;
}

/* A member that holds a day or null, given once: "date" (YYYY-MM-DD) or
 * "rotated_at" (an ISO time, iso).  out: the day, "" for null. */
static int day_member(struct parser *p, const char *key, bool *seen, bool iso, char out[11])
{
	char *s = NULL;
	size_t at;
	int rc;

	if (*seen)
		return perr(p, "\"%s\" given twice", key);
	*seen = true;
	if (peek(p) == 'n')
		return literal(p, "null");
	at = p->pos;
	rc = string(p, &s);
	if (rc == 0) {
		p->pos = at; /* a bad day is reported where its string starts */
		rc = day_of(p, s, iso, out);
		if (rc == 0)
			rc = string(p, NULL);
	}
	free(s);
	return rc;
}

/* One advisory of an account: {"id": N|null, "name": S, "date": D|null}. */
struct adv_in {
	char *name;
	char day[11];
	bool have_id, have_date;
};

static int adv_member(struct parser *p, const char *key, size_t key_at, void *arg)
{
	struct adv_in *in = arg;

	(void)key_at;
	if (strcmp(key, "name") == 0)
		return in->name ? perr(p, "\"name\" given twice") : string(p, &in->name);
	if (strcmp(key, "date") == 0)
		return day_member(p, key, &in->have_date, false, in->day);
	if (strcmp(key, "id") == 0) {
		if (in->have_id)
			return perr(p, "\"id\" given twice");
		in->have_id = true;
		return peek(p) == 'n' ? literal(p, "null") : number(p);
	}
	return skip_value(p, 2);
}

struct acct_in {
	struct bg_report *r;
	const char *file;
	struct acct *a;
	char *host, *verdict, *user;
	size_t host_at; /* where "host" starts, for messages */
	bool have_adv, have_rot;
};

/* An advisory, counted under its name and date, and its date the account's
 * exposure when newer. */
static int advisory(struct parser *p, void *arg)
{
	struct acct_in *ai = arg;
	struct acct *a = ai->a;
	struct adv_in in = {NULL, "", false, false};
	size_t k = 0;
	int rc = object(p, "an advisory without a name", adv_member, &in);

	if (rc == 0 && !in.name)
		rc = perr(p, "an advisory without a name");
	if (rc == 0 && (rc = find_adv(ai->r, in.name, in.day, ai->file, &k)) != 0)
		rc = perr(p, "out of memory");
	if (rc == 0) {
		bool dup = false;

		if (in.day[0] && strcmp(in.day, a->since) > 0)
			memcpy(a->since, in.day, 11);
		for (size_t i = 0; i < a->n_adv; i++)
			dup = dup || a->adv[i] == k;
		if (!dup && a->n_adv < MAX_ACC_ADV)
			a->adv[a->n_adv++] = k;
	}
	free(in.name);
	return rc;
}

/* Two scans of one host cannot both be right, and neither says when it was
 * made (a file's time is when it was copied): the host is refused whole at
 * the finish, both scans named, rather than one picked.  The same path given
 * twice is the command line's mistake, refused here. */
static int claim_host(struct bg_report *r, const char *file, size_t host, struct parser *p)
{
	if (r->hosts[host].claims)
		for (size_t i = 0; i < r->n_claims; i++)
			if (r->claims[i].host == host && strcmp(r->claims[i].file, file) == 0)
				return perr(p, "%.200s is given twice", file);
	if (grow((void **)&r->claims, &r->cap_claims, r->n_claims + 1, sizeof(*r->claims)) != 0)
		return perr(p, "out of memory");
	r->claims[r->n_claims++] = (struct claim){file, host};
	r->hosts[host].claims++;
	return 0;
}

/* The host that file is the scan of (once per file): name's entry, added when
 * new, with file's claim on it. */
static int find_host(struct bg_report *r, const char *file, const char *name, size_t *out,
		     struct parser *p)
{
	size_t i =
	    r->n_hosts ? ix_find(&r->host_ix, name, &r->hosts->name, sizeof(*r->hosts)) : SIZE_MAX;

	if (r->host_ix_lost) /* a host it lost would be taken twice */
		return perr(p, "out of memory");
	if (i == SIZE_MAX) {
		if (grow((void **)&r->hosts, &r->cap_hosts, r->n_hosts + 1, sizeof(*r->hosts)) != 0)
			return perr(p, "out of memory");
		memset(&r->hosts[r->n_hosts], 0, sizeof(r->hosts[0]));
		if (!(r->hosts[r->n_hosts].name = strdup(name)))
			return perr(p, "out of memory");
		if (ix_add(&r->host_ix, r->n_hosts, &r->hosts->name, sizeof(*r->hosts)) != 0) {
			free(r->hosts[r->n_hosts].name);
			r->hosts[r->n_hosts].name = NULL;
			return perr(p, "out of memory");
		}
		r->hosts[r->n_hosts].file = file;
		i = r->n_hosts++;
	}
	*out = i;
	return claim_host(r, file, i, p);
}

static int acct_member(struct parser *p, const char *key, size_t key_at, void *arg)
{
	struct acct_in *in = arg;

	if (strcmp(key, "host") == 0 || strcmp(key, "user") == 0 || strcmp(key, "verdict") == 0) {
		char **dst = key[0] == 'h' ? &in->host : key[0] == 'u' ? &in->user : &in->verdict;

		if (*dst) {
			p->pos = key_at;
			return perr(p, "\"%s\" given twice", key);
		}
		if (dst == &in->host)
			in->host_at = key_at;
		return string(p, dst);
	}
	if (strcmp(key, "advisories") == 0) {
		if (in->have_adv)
			return perr(p, "\"advisories\" given twice");
		in->have_adv = true;
		return array(p, advisory, in);
	}
	if (strcmp(key, "rotated_at") == 0)
		return day_member(p, key, &in->have_rot, true, in->a->rotated);
	return skip_value(p, 1);
}

struct scan_in {
	struct bg_report *r;
	const char *file;
	size_t host; /* the file's one host; SIZE_MAX before its first account */
};

/* One account object of a scan. */
static int account(struct parser *p, void *arg)
{
	struct scan_in *sc = arg;
	struct bg_report *r = sc->r;
	struct acct a;
	struct acct_in in = {r, sc->file, &a, NULL, NULL, NULL, 0, false, false};
	int rc;

	memset(&a, 0, sizeof(a));
	a.verdict = -1;
	if ((rc = object(p, NULL, acct_member, &in)) != 0)
		goto out;
	if (!in.host || !in.user || !in.verdict || !in.have_adv) {
		rc = perr(
		    p, "an account needs \"host\", \"user\", \"verdict\" and \"advisories\"%s",
		    !in.host ? " (no \"host\": a scan from breachguard before the fleet report?)"
			     : "");
		goto out;
	}
	if (!in.host[0] || !in.user[0]) {
		rc = perr(p, "empty \"host\" or \"user\"");
		goto out;
	}
	for (int v = 0; v < NV; v++)
		if (strcmp(in.verdict, vname[v]) == 0)
			a.verdict = v;
	if (a.verdict < 0) {
		rc = perr(p, "unknown verdict \"%.40s\"", in.verdict);
		goto out;
	}
	/* A scan is one host's (scan names the host it runs on): a file that
	 * spoke for others could stand in for a host whose own scan is missing,
	 * and the report would show that host's accounts as its author wrote them. */
	if (sc->host == SIZE_MAX) {
		if ((rc = find_host(r, sc->file, in.host, &sc->host, p)) != 0)
			goto out;
	} else if (strcmp(r->hosts[sc->host].name, in.host) != 0) {
		p->pos = in.host_at;
		rc =
		    perr(p, "host \"%.100s\" in a scan of host \"%.100s\" (one host per scan file)",
			 in.host, r->hosts[sc->host].name);
		goto out;
	}
	a.host = sc->host;
	if (grow((void **)&r->accts, &r->cap_accts, r->n_accts + 1, sizeof(*r->accts)) != 0) {
		rc = perr(p, "out of memory");
		goto out;
	}
	a.user = in.user;
	in.user = NULL;
	r->accts[r->n_accts++] = a;
out:
	free(in.host);
	free(in.user);
	free(in.verdict);
	return rc;
}

static int cmp_acct_ptr(const void *a, const void *b)
{
	const struct acct *x = *(const struct acct *const *)a, *y = *(const struct acct *const *)b;

	if (x->host != y->host)
		return x->host < y->host ? -1 : 1;
	return strcmp(x->user, y->user);
}

/* An account listed twice in one scan would be counted twice: refused, as a
 * host in two files is.  0, or an error set in p. */
static int no_repeats(struct parser *p, const struct bg_report *r, size_t from)
{
	size_t n = r->n_accts - from;
	const struct acct **v;
	int rc = 0;

	if (n < 2)
		return 0;
	if (!(v = malloc(n * sizeof(*v))))
		return perr(p, "out of memory");
	for (size_t i = 0; i < n; i++)
		v[i] = &r->accts[from + i];
	qsort(v, n, sizeof(*v), cmp_acct_ptr);
	for (size_t i = 1; i < n && rc == 0; i++)
		if (cmp_acct_ptr(&v[i - 1], &v[i]) == 0)
			rc = perr(p, "account \"%.100s\" of host \"%.100s\" is listed twice",
				  v[i]->user, r->hosts[v[i]->host].name);
	free(v);
	return rc;
}

/* The host a scan file is named after: its name without the directory and
 * ".json" (HOST.json, as the Ansible role fetches them), cut to 255 bytes.
 * False when that leaves nothing. */
static bool file_host(const char *file, char host[256])
{
	const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	size_t hl = strlen(base);

	if (hl > 5 && strcmp(base + hl - 5, ".json") == 0)
		hl -= 5;
	snprintf(host, 256, "%.*s", (int)(hl < 255 ? hl : 255), base);
	return host[0] != '\0';
}

int bg_report_add(struct bg_report *r, const char *name, const char *buf, size_t len, char *err,
		  size_t errlen)
{
	struct parser p = {name, buf, len, 0, err, errlen, false, malloc(MAX_STR + 8)};
	struct scan_in sc = {r, name, SIZE_MAX};
	size_t before = r->n_accts;
	int rc;

	if (!p.scratch) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -ENOMEM;
	}
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		p.pos = 3;
	if ((rc = array(&p, account, &sc)) != 0)
		goto out;
	if (peek(&p) != -1)
		rc = perr(&p, "data after the array");
	if (rc == 0)
		rc = no_repeats(&p, r, before);
	/* A host with nothing to list scans to []: it still counts, named after
	 * its file (HOST.json, as the Ansible role fetches them). */
	if (rc == 0 && r->n_accts == before) {
		char host[256];
		size_t hi;

		if (!file_host(name, host) || !bg_utf8_valid(host, strlen(host)))
			rc = perr(&p, "an empty scan, and the file name is no host name");
		else
			rc = find_host(r, name, host, &hi, &p);
	}
out:
	if (rc != 0) {
		/* A file is taken whole or not at all. */
		for (size_t i = before; i < r->n_accts; i++)
			free(r->accts[i].user);
		r->n_accts = before;
		if (r->n_claims && r->claims[r->n_claims - 1].file == name)
			r->hosts[r->claims[--r->n_claims].host].claims--;
		while (r->n_hosts && r->hosts[r->n_hosts - 1].file == name)
			free(r->hosts[--r->n_hosts].name);
		ix_clear(&r->host_ix); /* rebuilt without the hosts taken back */
		for (size_t i = 0; i < r->n_hosts; i++)
			if (ix_add(&r->host_ix, i, &r->hosts->name, sizeof(*r->hosts)) != 0) {
				r->host_ix_lost = true;
				break;
			}
	}
	free(p.scratch);
	return rc;
}

/* --- totals ------------------------------------------------------------------ */

static int cmp_host(const void *a, const void *b)
{
	return strcmp(((const struct host *)a)->name, ((const struct host *)b)->name);
}

static int cmp_pending(const void *x, const void *y, void *arg)
{
	const struct bg_report *sort_ctx = arg;
	const struct acct *a = &sort_ctx->accts[*(const size_t *)x];
	const struct acct *b = &sort_ctx->accts[*(const size_t *)y];
	int c = strcmp(a->since, b->since);

	if (c == 0)
		c = strcmp(sort_ctx->hosts[a->host].name, sort_ctx->hosts[b->host].name);
	return c ? c : strcmp(a->user, b->user);
}

static int cmp_adv_idx(const void *x, const void *y, void *arg)
{
	const struct bg_report *sort_ctx = arg;
	const struct adv *a = &sort_ctx->advs[*(const size_t *)x];
	const struct adv *b = &sort_ctx->advs[*(const size_t *)y];
	int c = strcmp(a->date, b->date);

	return c ? c : strcmp(a->name, b->name);
}

static int cmp_str11(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int cmp_adv_name(const void *x, const void *y, void *arg)
{
	const struct bg_report *sort_ctx = arg;
	const struct adv *a = &sort_ctx->advs[*(const size_t *)x];
	const struct adv *b = &sort_ctx->advs[*(const size_t *)y];
	int c = strcmp(a->name, b->name);

	return c ? c : strcmp(a->date, b->date);
}

/* r->shared: the advisories another has the name of, grouped by name.  0, or
 * -ENOMEM with none marked. */
static int find_shared(struct bg_report *r)
{
	size_t n = 0;

	free(r->shared);
	r->shared = NULL;
	r->n_shared = 0;
	if (!r->n_advs)
		return 0;
	if (!(r->shared = malloc(r->n_advs * sizeof(*r->shared))))
		return -ENOMEM;
	for (size_t i = 0; i < r->n_advs; i++)
		r->shared[i] = i;
	qsort_r(r->shared, r->n_advs, sizeof(*r->shared), cmp_adv_name, r);
	for (size_t i = 0; i < r->n_advs; i++) {
		const struct adv *a = &r->advs[r->shared[i]];

		r->advs[r->shared[i]].shared =
		    (i > 0 && strcmp(r->advs[r->shared[i - 1]].name, a->name) == 0) ||
		    (i + 1 < r->n_advs && strcmp(r->advs[r->shared[i + 1]].name, a->name) == 0);
	}
	for (size_t i = 0; i < r->n_advs; i++)
		if (r->advs[r->shared[i]].shared)
			r->shared[n++] = r->shared[i];
	r->n_shared = n;
	return 0;
}

static bool host_refused(const struct host *h)
{
	return h->claims > 1;
}

/* Nothing of a host two scans name is counted (claim_host): its accounts go,
 * and the advisories only they name; an advisory's first file is then the
 * first counted scan that names it.  0, or -ENOMEM (the accounts gone, the
 * advisories not). */
static int drop_refused(struct bg_report *r)
{
	size_t n = 0, *map;

	r->n_counted = 0;
	for (size_t i = 0; i < r->n_hosts; i++)
		r->n_counted += !host_refused(&r->hosts[i]);
	if (r->n_counted == r->n_hosts)
		return 0;
	for (size_t i = 0; i < r->n_accts; i++) {
		if (host_refused(&r->hosts[r->accts[i].host]))
			free(r->accts[i].user);
		else
			r->accts[n++] = r->accts[i];
	}
	r->n_accts = n;
	if (!(map = malloc((r->n_advs ? r->n_advs : 1) * sizeof(*map))))
		return -ENOMEM;
	for (size_t i = 0; i < r->n_advs; i++)
		r->advs[i].file = NULL;
	for (size_t i = 0; i < r->n_accts; i++)
		for (size_t k = 0; k < r->accts[i].n_adv; k++)
			if (!r->advs[r->accts[i].adv[k]].file)
				r->advs[r->accts[i].adv[k]].file = r->hosts[r->accts[i].host].file;
	n = 0;
	for (size_t i = 0; i < r->n_advs; i++) {
		map[i] = n;
		if (r->advs[i].file)
			r->advs[n++] = r->advs[i];
		else
			free(r->advs[i].key);
	}
	r->n_advs = n;
	for (size_t i = 0; i < r->n_accts; i++)
		for (size_t k = 0; k < r->accts[i].n_adv; k++)
			r->accts[i].adv[k] = map[r->accts[i].adv[k]];
	free(map);
	return 0;
}

int bg_report_finish(struct bg_report *r)
{
	size_t *map = NULL, *inv = NULL, ndays = 0;
	char(*days)[11] = NULL;
	bool lost = false; /* a table not made: the report would be short of it */

	/* Sorted below: the name indexes would be stale (nothing is added after). */
	ix_clear(&r->host_ix);
	ix_clear(&r->adv_ix);
	lost = drop_refused(r) != 0;

	/* Hosts by name: renumber the accounts' and the claims' host index. */
	if (r->n_hosts) {
		map = malloc(r->n_hosts * sizeof(*map));
		for (size_t i = 0; map && i < r->n_hosts; i++)
			r->hosts[i].n[0] = i; /* remember the old index through the sort */
		if (map) {
			qsort(r->hosts, r->n_hosts, sizeof(*r->hosts), cmp_host);
			for (size_t i = 0; i < r->n_hosts; i++) {
				map[r->hosts[i].n[0]] = i;
				r->hosts[i].n[0] = 0;
			}
			for (size_t i = 0; i < r->n_accts; i++)
				r->accts[i].host = map[r->accts[i].host];
			for (size_t i = 0; i < r->n_claims; i++)
				r->claims[i].host = map[r->claims[i].host];
		}
		lost = lost || !map;
		free(map);
	}
	/* Advisories by date, then name. */
	if (r->n_advs) {
		map = malloc(r->n_advs * sizeof(*map));
		inv = malloc(r->n_advs * sizeof(*inv));
		if (map && inv) {
			struct adv *sorted = malloc(r->n_advs * sizeof(*sorted));

			for (size_t i = 0; i < r->n_advs; i++)
				map[i] = i;
			qsort_r(map, r->n_advs, sizeof(*map), cmp_adv_idx, r);
			if (sorted) {
				for (size_t i = 0; i < r->n_advs; i++) {
					sorted[i] = r->advs[map[i]];
					inv[map[i]] = i;
				}
				memcpy(r->advs, sorted, r->n_advs * sizeof(*sorted));
				free(sorted);
				for (size_t i = 0; i < r->n_accts; i++)
					for (size_t k = 0; k < r->accts[i].n_adv; k++)
						r->accts[i].adv[k] = inv[r->accts[i].adv[k]];
			}
			lost = lost || !sorted;
		}
		lost = lost || !map || !inv;
		free(map);
		free(inv);
	}
	lost = find_shared(r) != 0 || lost;
	memset(r->total, 0, sizeof(r->total));
	r->undated = 0;
	free(r->order);
	r->order = malloc((r->n_accts ? r->n_accts : 1) * sizeof(*r->order));
	r->n_order = 0;
	days = malloc((2 * r->n_accts + 1) * sizeof(*days));
	lost = lost || !r->order || !days;
	for (size_t i = 0; i < r->n_accts; i++) {
		const struct acct *a = &r->accts[i];

		r->total[a->verdict]++;
		r->hosts[a->host].n[a->verdict]++;
		for (size_t k = 0; k < a->n_adv; k++)
			r->advs[a->adv[k]].n[a->verdict]++;
		if (is_pending(a->verdict) && r->order)
			r->order[r->n_order++] = i;
		if (a->verdict == V_ROTATED && !a->rotated[0])
			r->undated++;
		if (days && a->n_adv && (is_pending(a->verdict) || a->verdict == V_ROTATED)) {
			if (a->since[0])
				memcpy(days[ndays++], a->since, 11);
			if (a->verdict == V_ROTATED && a->rotated[0])
				memcpy(days[ndays++], a->rotated, 11);
		}
	}
	if (r->order)
		qsort_r(r->order, r->n_order, sizeof(*r->order), cmp_pending, r);
	/* Progress: at each day something happened, the accounts exposed by then
	 * and those rotated by then (rotations seen only in shadow have no day:
	 * they count from the last point). */
	free(r->pts);
	r->pts = NULL;
	r->n_pts = 0;
	if (days && ndays) {
		size_t u = 0;

		qsort(days, ndays, sizeof(*days), cmp_str11);
		for (size_t i = 0; i < ndays; i++)
			if (u == 0 || strcmp(days[u - 1], days[i]) != 0)
				memcpy(days[u++], days[i], 11);
		r->pts = calloc(u, sizeof(*r->pts));
		lost = lost || !r->pts;
		if (r->pts) {
			r->n_pts = u;
			for (size_t i = 0; i < u; i++)
				memcpy(r->pts[i].date, days[i], 11);
			for (size_t i = 0; i < r->n_accts; i++) {
				const struct acct *a = &r->accts[i];

				if (!a->n_adv ||
				    !(is_pending(a->verdict) || a->verdict == V_ROTATED))
					continue;
				for (size_t k = 0; k < u; k++) {
					if (!a->since[0] || strcmp(a->since, days[k]) <= 0)
						r->pts[k].exposed++;
					if (a->verdict == V_ROTATED &&
					    (a->rotated[0] ? strcmp(a->rotated, days[k]) <= 0
							   : k == u - 1))
						r->pts[k].rotated++;
				}
			}
		}
	}
	free(days);
	return lost ? -ENOMEM : 0;
}

/* --- conflicts --------------------------------------------------------------- */

/* The end of the group of r->shared that starts at i: one name, its dates. */
static size_t shared_group_end(const struct bg_report *r, size_t i)
{
	size_t k = i + 1;

	while (k < r->n_shared &&
	       strcmp(r->advs[r->shared[k]].name, r->advs[r->shared[i]].name) == 0)
		k++;
	return k;
}

/* Is the scan c from a file named after another host (file_host: named)?
 * The host its accounts name is the truth; the name may say a host with no
 * scan here. */
static bool misnamed(const struct bg_report *r, const struct claim *c, char named[256])
{
	return file_host(c->file, named) && strcmp(named, r->hosts[c->host].name) != 0;
}

/* Has any scan (counted or not) the host name?  The hosts are sorted. */
static bool has_host(const struct bg_report *r, const char *name)
{
	struct host key = {(char *)name, NULL, 0, {0}};

	return r->n_hosts && bsearch(&key, r->hosts, r->n_hosts, sizeof(*r->hosts), cmp_host);
}

void bg_report_warn(const struct bg_report *r, FILE *f)
{
	char named[256];

	for (size_t i = 0; i < r->n_hosts; i++) {
		if (!host_refused(&r->hosts[i]))
			continue;
		fputs("breachguard: report: host ", f);
		bg_json_str(f, r->hosts[i].name);
		fprintf(f, " has %zu scans (", r->hosts[i].claims);
		for (size_t k = 0, n = 0; k < r->n_claims; k++)
			if (r->claims[k].host == i) {
				fputs(n++ ? ", " : "", f);
				bg_json_str(f, r->claims[k].file);
			}
		fputs("): none is counted, as no scan says which is right (remove the stale one)\n",
		      f);
	}
	for (size_t i = 0; i < r->n_claims; i++) {
		if (!misnamed(r, &r->claims[i], named))
			continue;
		fputs("breachguard: report: ", f);
		bg_json_str(f, r->claims[i].file);
		fputs(" is the scan of host ", f);
		bg_json_str(f, r->hosts[r->claims[i].host].name);
		fputs(", not of the host it is named after, ", f);
		bg_json_str(f, named);
		fputs(has_host(r, named) ? "\n" : ", which has no scan here\n", f);
	}
	for (size_t i = 0, end; i < r->n_shared; i = end) {
		end = shared_group_end(r, i);
		fputs("breachguard: report: advisory ", f);
		bg_json_str(f, r->advs[r->shared[i]].name);
		fputs(" has more than one date:", f);
		for (size_t k = i; k < end; k++) {
			const struct adv *a = &r->advs[r->shared[k]];

			fprintf(f, "%s %s (first in %s)", k > i ? "," : "",
				a->date[0] ? a->date : "no date", a->file);
		}
		fprintf(f, "; counted as %zu advisories, not merged\n", end - i);
	}
}

/* --- JSON -------------------------------------------------------------------- */

static void json_totals(FILE *f, const uint64_t n[NV])
{
	uint64_t pending = 0, all = 0;

	fputc('{', f);
	for (int v = 0; v < NV; v++) {
		fprintf(f, "%s\"%s\": %llu", v ? ", " : "", vname[v], (unsigned long long)n[v]);
		all += n[v];
		if (is_pending(v))
			pending += n[v];
	}
	fprintf(f, ", \"pending\": %llu, \"accounts\": %llu}", (unsigned long long)pending,
		(unsigned long long)all);
}

/* A day as JSON: "YYYY-MM-DD", or null for none (""). */
static void json_day(FILE *f, const char *day)
{
	if (day[0])
		bg_json_str(f, day);
	else
		fputs("null", f);
}

void bg_report_json(const struct bg_report *r, FILE *f)
{
	char named[256];
	bool first = true;

	fputs("{\"hosts\": [", f);
	for (size_t i = 0; i < r->n_hosts; i++) {
		if (host_refused(&r->hosts[i]))
			continue;
		fputs(first ? "" : ", ", f);
		bg_json_str(f, r->hosts[i].name);
		first = false;
	}
	fputs("],\n \"totals\": ", f);
	json_totals(f, r->total);
	fprintf(f, ",\n \"rotated_undated\": %llu,\n \"advisories\": [",
		(unsigned long long)r->undated);
	for (size_t i = 0; i < r->n_advs; i++) {
		fprintf(f, "%s\n  {\"name\": ", i ? "," : "");
		bg_json_str(f, r->advs[i].name);
		fputs(", \"date\": ", f);
		json_day(f, r->advs[i].date);
		fputs(", \"totals\": ", f);
		json_totals(f, r->advs[i].n);
		fputc('}', f);
	}
	fputs("],\n \"advisory_conflicts\": [", f);
	for (size_t i = 0, end; i < r->n_shared; i = end) {
		end = shared_group_end(r, i);
		fprintf(f, "%s\n  {\"name\": ", i ? "," : "");
		bg_json_str(f, r->advs[r->shared[i]].name);
		fputs(", \"dates\": [", f);
		for (size_t k = i; k < end; k++) {
			fputs(k > i ? ", " : "", f);
			json_day(f, r->advs[r->shared[k]].date);
		}
		fputs("], \"files\": [", f);
		for (size_t k = i; k < end; k++) {
			fputs(k > i ? ", " : "", f);
			bg_json_str(f, r->advs[r->shared[k]].file);
		}
		fputs("]}", f);
	}
	fputs("],\n \"host_conflicts\": [", f);
	first = true;
	for (size_t i = 0; i < r->n_hosts; i++) {
		if (!host_refused(&r->hosts[i]))
			continue;
		fprintf(f, "%s\n  {\"host\": ", first ? "" : ",");
		bg_json_str(f, r->hosts[i].name);
		fputs(", \"files\": [", f);
		for (size_t k = 0, n = 0; k < r->n_claims; k++)
			if (r->claims[k].host == i) {
				fputs(n++ ? ", " : "", f);
				bg_json_str(f, r->claims[k].file);
			}
		fputs("]}", f);
		first = false;
	}
	fputs("],\n \"misnamed_scans\": [", f);
	first = true;
	for (size_t i = 0; i < r->n_claims; i++) {
		if (!misnamed(r, &r->claims[i], named))
			continue;
		fprintf(f, "%s\n  {\"file\": ", first ? "" : ",");
		bg_json_str(f, r->claims[i].file);
		fputs(", \"host\": ", f);
		bg_json_str(f, r->hosts[r->claims[i].host].name);
		fputs(", \"file_host\": ", f);
		bg_json_str(f, named);
		fputc('}', f);
		first = false;
	}
	fputs("],\n \"per_host\": [", f);
	first = true;
	for (size_t i = 0; i < r->n_hosts; i++) {
		if (host_refused(&r->hosts[i]))
			continue;
		fprintf(f, "%s\n  {\"host\": ", first ? "" : ",");
		first = false;
		bg_json_str(f, r->hosts[i].name);
		fputs(", \"totals\": ", f);
		json_totals(f, r->hosts[i].n);
		fputc('}', f);
	}
	fputs("],\n \"pending\": [", f);
	for (size_t i = 0; i < r->n_order; i++) {
		const struct acct *a = &r->accts[r->order[i]];

		fprintf(f, "%s\n  {\"host\": ", i ? "," : "");
		bg_json_str(f, r->hosts[a->host].name);
		fputs(", \"user\": ", f);
		bg_json_str(f, a->user);
		fprintf(f, ", \"verdict\": \"%s\", \"advisories\": [", vname[a->verdict]);
		for (size_t k = 0; k < a->n_adv; k++) {
			fputs(k ? ", " : "", f);
			bg_json_str(f, r->advs[a->adv[k]].name);
		}
		/* The names alone do not say which of a name's dates (the page
		 * does): the same list again with each one's date, in a field of
		 * its own so that what reads the names keeps working. */
		fputs("], \"advisories_dated\": [", f);
		for (size_t k = 0; k < a->n_adv; k++) {
			fputs(k ? ", {\"name\": " : "{\"name\": ", f);
			bg_json_str(f, r->advs[a->adv[k]].name);
			fputs(", \"date\": ", f);
			json_day(f, r->advs[a->adv[k]].date);
			fputc('}', f);
		}
		fputs("], \"since\": ", f);
		json_day(f, a->since);
		fputc('}', f);
	}
	fputs("],\n \"progress\": [", f);
	for (size_t i = 0; i < r->n_pts; i++)
		fprintf(f,
			"%s\n  {\"date\": \"%s\", \"exposed\": %llu, \"rotated\": %llu, "
			"\"pending\": %llu}",
			i ? "," : "", r->pts[i].date, (unsigned long long)r->pts[i].exposed,
			(unsigned long long)r->pts[i].rotated,
			(unsigned long long)(r->pts[i].exposed - r->pts[i].rotated));
	fputs("]}\n", f);
}

/* --- HTML -------------------------------------------------------------------- */

/* Text for HTML: markup characters as entities, and every character that could
 * reorder or hide text (bidi controls, zero-width and other format characters,
 * C0/C1 controls) shown as a visible [U+XXXX] instead.  The caller wraps
 * hostile names in <bdi> so that even right-to-left text stays in its cell. */
static void html_str(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t n = bg_utf8_seq(p, strlen((const char *)p));
		unsigned cp;

		if (n == 0) {
			fputs("&#xfffd;", f);
			p++;
			continue;
		}
		cp = n == 1   ? p[0]
		     : n == 2 ? (unsigned)(p[0] & 0x1f) << 6 | (p[1] & 0x3f)
		     : n == 3 ? (unsigned)(p[0] & 0x0f) << 12 | (unsigned)(p[1] & 0x3f) << 6 |
				    (p[2] & 0x3f)
			      : (unsigned)(p[0] & 0x07) << 18 | (unsigned)(p[1] & 0x3f) << 12 |
				    (unsigned)(p[2] & 0x3f) << 6 | (p[3] & 0x3f);
		if (cp == '<')
			fputs("&lt;", f);
		else if (cp == '>')
			fputs("&gt;", f);
		else if (cp == '&')
			fputs("&amp;", f);
		else if (cp == '"')
			fputs("&quot;", f);
		else if (cp == '\'')
			fputs("&#39;", f);
		else if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || cp == 0xad || cp == 0x61c ||
			 (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202e) ||
			 (cp >= 0x2060 && cp <= 0x206f) || cp == 0xfeff ||
			 (cp >= 0xfff9 && cp <= 0xfffb) ||
			 /* invisible too: the combining grapheme joiner, Hangul and
			  * Khmer fillers, the Mongolian selectors and vowel separator,
			  * variation selectors, tag characters ("alice" + tags shows
			  * as "alice") */
			 cp == 0x34f || cp == 0x115f || cp == 0x1160 || cp == 0x17b4 ||
			 cp == 0x17b5 || (cp >= 0x180b && cp <= 0x180f) || cp == 0x3164 ||
			 cp == 0xffa0 || (cp >= 0xfe00 && cp <= 0xfe0f) ||
			 (cp >= 0x1d173 && cp <= 0x1d17a) || (cp >= 0xe0000 && cp <= 0xe0fff))
			fprintf(f, "<span class=\"ctl\">[U+%04X]</span>", cp);
		else
			fwrite(p, 1, n, f);
		p += n;
	}
}

static uint64_t pending_of(const uint64_t n[NV])
{
	uint64_t s = 0;

	for (int v = 0; v < NV; v++)
		if (is_pending(v))
			s += n[v];
	return s;
}

static void html_row_totals(FILE *f, const uint64_t n[NV])
{
	uint64_t exposed = n[V_ROTATED] + pending_of(n);

	fprintf(f,
		"<td class=\"n\">%llu</td><td class=\"n\">%llu</td><td class=\"n bad\">%llu</td>"
		"<td class=\"n warn\">%llu</td><td class=\"n\">%llu</td><td class=\"n\">%llu</td>"
		"<td class=\"n\">%llu</td>",
		(unsigned long long)exposed, (unsigned long long)n[V_ROTATED],
		(unsigned long long)n[V_ENFORCE], (unsigned long long)n[V_GRACE],
		(unsigned long long)n[V_CHANGE_BLOCKED], (unsigned long long)n[V_NO_PASSWORD],
		(unsigned long long)(n[V_CLEAR] + n[V_EXEMPT]));
	fprintf(f,
		"<td class=\"bar\"><div class=\"track\"><div class=\"fill\" "
		"style=\"width:%llu%%\"></div></div>"
		"<span>%llu%%</span></td>",
		exposed ? (unsigned long long)(n[V_ROTATED] * 100 / exposed) : 0ULL,
		exposed ? (unsigned long long)(n[V_ROTATED] * 100 / exposed) : 0ULL);
}

static const char table_head[] =
    "<th class=\"n\">Exposed</th><th class=\"n\">Rotated</th><th class=\"n\">Enforced</th>"
    "<th class=\"n\">In grace</th><th class=\"n\">Change blocked</th><th class=\"n\">No "
    "password</th>"
    "<th class=\"n\">Clear / exempt</th><th>Rotated share</th>";

/* The chart: exposed accounts as a grey band, rotated in green over it; what
 * shows grey is still pending.  Steps, since counts change on given days. */
static void html_chart(const struct bg_report *r, FILE *f)
{
	const double W = 1040, H = 300, L = 60, R = 20, T = 20, B = 50;
	double pw = W - L - R, ph = H - T - B;
	uint64_t max = 1, step = 1;
	unsigned ticks = 1;
	size_t n = r->n_pts;

	for (size_t i = 0; i < n; i++)
		if (r->pts[i].exposed > max)
			max = r->pts[i].exposed;
	/* Round gridlines: a step of 1, 2 or 5 times a power of ten, at most five. */
	{
		static const unsigned mant[3] = {1, 2, 5};
		uint64_t pow10 = 1;

		for (unsigned k = 0;; k = (k + 1) % 3) {
			step = mant[k] * pow10;
			if ((max + step - 1) / step <= 5)
				break;
			if (k == 2)
				pow10 *= 10;
		}
		ticks = (unsigned)((max + step - 1) / step);
		max = step * ticks;
	}
	fprintf(f,
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
		"viewBox=\"0 0 %.0f %.0f\" "
		"role=\"img\" aria-label=\"Rotated and pending accounts over time\">\n",
		W, H, W, H);
	fprintf(f,
		"<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"#fafafa\" "
		"stroke=\"#ccc\"/>\n",
		L, T, pw, ph);
	for (unsigned g = 0; g <= ticks; g++) {
		double y = T + ph - ph * g / (double)ticks;

		fprintf(f,
			"<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"#e0e0e0\"/>"
			"<text x=\"%.0f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"end\" "
			"fill=\"#555\">%llu</text>\n",
			L, y, L + pw, y, L - 8, y + 4, (unsigned long long)(step * g));
	}
	if (n == 0) {
		fprintf(f,
			"<text x=\"%.0f\" y=\"%.0f\" font-size=\"16\" text-anchor=\"middle\" "
			"fill=\"#555\">"
			"No exposed accounts in these scans</text>\n</svg>\n",
			L + pw / 2, T + ph / 2);
		return;
	}
	/* x: one step per point, evenly spaced (dates are events, not a calendar). */
	for (int series = 0; series < 2; series++) {
		fprintf(f, "<path fill=\"%s\" stroke=\"%s\" stroke-width=\"2\" d=\"M %.1f %.1f",
			series ? "#2e9e4f" : "#d9534f", series ? "#1f7a3a" : "#b52b27", L, T + ph);
		for (size_t i = 0; i < n; i++) {
			uint64_t v = series ? r->pts[i].rotated : r->pts[i].exposed;
			double x0 = L + pw * (double)i / (double)n,
			       x1 = L + pw * (double)(i + 1) / (double)n;
			double y = T + ph - ph * (double)v / (double)max;

			fprintf(f, " L %.1f %.1f L %.1f %.1f", x0, y, x1, y);
		}
		fprintf(f, " L %.1f %.1f Z\"/>\n", L + pw, T + ph);
	}
	for (size_t i = 0; i < n; i++) {
		double x = L + pw * ((double)i + 0.5) / (double)n;

		/* At most ten dates, each wholly inside the plot. */
		if (n > 10 && i % ((n + 9) / 10) != 0)
			continue;
		if (x < L + 36)
			x = L + 36;
		if (x > L + pw - 36)
			x = L + pw - 36;
		fprintf(f,
			"<text x=\"%.1f\" y=\"%.0f\" font-size=\"12\" text-anchor=\"middle\" "
			"fill=\"#333\">%s</text>\n",
			x, T + ph + 18, r->pts[i].date);
	}
	fprintf(f,
		"<rect x=\"%.0f\" y=\"%.0f\" width=\"14\" height=\"14\" fill=\"#2e9e4f\"/>"
		"<text x=\"%.0f\" y=\"%.0f\" font-size=\"13\" fill=\"#333\">rotated</text>"
		"<rect x=\"%.0f\" y=\"%.0f\" width=\"14\" height=\"14\" fill=\"#d9534f\"/>"
		"<text x=\"%.0f\" y=\"%.0f\" font-size=\"13\" fill=\"#333\">still "
		"pending</text>\n</svg>\n",
		L, H - 18, L + 20, H - 6, L + 110, H - 18, L + 130, H - 6);
}

/* Under the headline numbers, which they change: a host not counted, and a
 * scan whose file is named after another host. */
static void html_host_alerts(const struct bg_report *r, FILE *f)
{
	char named[256];

	for (size_t i = 0; i < r->n_hosts; i++) {
		if (!host_refused(&r->hosts[i]))
			continue;
		fputs("<p class=\"alert\">Host <bdi>", f);
		html_str(f, r->hosts[i].name);
		fprintf(f, "</bdi> has %zu scans (", r->hosts[i].claims);
		for (size_t k = 0, n = 0; k < r->n_claims; k++)
			if (r->claims[k].host == i) {
				fputs(n++ ? ", <bdi>" : "<bdi>", f);
				html_str(f, r->claims[k].file);
				fputs("</bdi>", f);
			}
		fputs("): none is counted, as no scan says which is right.</p>\n", f);
	}
	for (size_t i = 0; i < r->n_claims; i++) {
		if (!misnamed(r, &r->claims[i], named))
			continue;
		fputs("<p class=\"alert\"><bdi>", f);
		html_str(f, r->claims[i].file);
		fputs("</bdi> is the scan of host <bdi>", f);
		html_str(f, r->hosts[r->claims[i].host].name);
		fputs("</bdi>, not of the host it is named after, <bdi>", f);
		html_str(f, named);
		fputs(has_host(r, named) ? "</bdi>.</p>\n"
					 : "</bdi>, which has no scan here.</p>\n",
		      f);
	}
}

void bg_report_html(const struct bg_report *r, FILE *f)
{
	uint64_t pending = pending_of(r->total), exposed = r->total[V_ROTATED] + pending;
	char now[32];

	bg_iso_time((long long)time(NULL), now, sizeof(now));
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'\">\n"
	      "<title>Breach rotation report</title>\n<style>\n"
	      "body{font-family:'DejaVu Sans',Arial,sans-serif;margin:24px "
	      "32px;color:#222;background:#fff}\n"
	      "h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:28px 0 "
	      "8px;border-bottom:2px solid #ddd;padding-bottom:4px}\n"
	      ".sub{color:#666;margin:0 0 18px}.cards{display:flex;gap:14px;flex-wrap:wrap}\n"
	      ".card{border:1px solid #ddd;border-radius:6px;padding:12px "
	      "18px;min-width:150px;background:#f7f7f7}\n"
	      ".card b{display:block;font-size:30px}.card.bad b{color:#b52b27}.card.good "
	      "b{color:#1f7a3a}.card.warn b{color:#a66d00}\n"
	      "table{border-collapse:collapse;margin-top:6px;font-size:14px}th,td{border:1px solid "
	      "#ddd;padding:4px 9px;text-align:left;vertical-align:top}\n"
	      "th{background:#eee}td.d,td.bar{white-space:nowrap}td.n,th.n{text-align:right}td.bad{"
	      "color:#b52b27;font-weight:bold}td.warn{color:#a66d00}\n"
	      ".track{display:inline-block;width:110px;height:10px;background:#f1c9c8;margin-right:"
	      "6px}.fill{height:10px;background:#2e9e4f}\n"
	      ".ctl{color:#fff;background:#b52b27;font-family:monospace;font-size:12px;padding:0 "
	      "2px}\n"
	      "bdi{unicode-bidi:isolate}\n"
	      ".alert{border:1px solid #a66d00;background:#fff6e5;padding:6px "
	      "10px}\n</style></head><body>\n",
	      f);
	fprintf(f,
		"<h1>Breach rotation report</h1>\n<p class=\"sub\">%zu host%s, %zu advisor%s; "
		"generated %s</p>\n",
		r->n_counted, r->n_counted == 1 ? "" : "s", r->n_advs, r->n_advs == 1 ? "y" : "ies",
		now);
	fprintf(f,
		"<div class=\"cards\">\n"
		"<div class=\"card\"><b>%llu</b>accounts exposed</div>\n"
		"<div class=\"card good\"><b>%llu</b>rotated (%llu%%)</div>\n"
		"<div class=\"card bad\"><b>%llu</b>still pending</div>\n"
		"<div class=\"card bad\"><b>%llu</b>enforced now</div>\n"
		"<div class=\"card warn\"><b>%llu</b>in grace</div>\n"
		"<div class=\"card warn\"><b>%llu</b>change blocked / no password</div>\n</div>\n",
		(unsigned long long)exposed, (unsigned long long)r->total[V_ROTATED],
		exposed ? (unsigned long long)(r->total[V_ROTATED] * 100 / exposed) : 0ULL,
		(unsigned long long)pending, (unsigned long long)r->total[V_ENFORCE],
		(unsigned long long)r->total[V_GRACE],
		(unsigned long long)(r->total[V_CHANGE_BLOCKED] + r->total[V_NO_PASSWORD]));
	html_host_alerts(r, f);
	fputs("<h2>Rotation progress</h2>\n", f);
	html_chart(r, f);
	if (r->undated)
		fprintf(f,
			"<p class=\"sub\">%llu rotation%s seen in shadow without a recorded time "
			"%s counted from the last day shown.</p>\n",
			(unsigned long long)r->undated, r->undated == 1 ? "" : "s",
			r->undated == 1 ? "is" : "are");
	fprintf(f, "<h2>By advisory</h2>\n<table><tr><th>Advisory</th><th>Date</th>%s</tr>\n",
		table_head);
	for (size_t i = 0; i < r->n_advs; i++) {
		fputs("<tr><td><bdi>", f);
		html_str(f, r->advs[i].name);
		fprintf(f, "</bdi></td><td class=\"d\">%s</td>",
			r->advs[i].date[0] ? r->advs[i].date : "-");
		html_row_totals(f, r->advs[i].n);
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
	for (size_t i = 0, end; i < r->n_shared; i = end) {
		end = shared_group_end(r, i);
		fputs("<p class=\"alert\">Advisory <bdi>", f);
		html_str(f, r->advs[r->shared[i]].name);
		fputs("</bdi> has more than one date:", f);
		for (size_t k = i; k < end; k++) {
			const struct adv *a = &r->advs[r->shared[k]];

			fprintf(f, "%s %s (first in <bdi>", k > i ? "," : "",
				a->date[0] ? a->date : "no date");
			html_str(f, a->file);
			fputs("</bdi>)", f);
		}
		fprintf(f, "; counted as %zu advisories, not merged.</p>\n", end - i);
	}
	fprintf(f, "<h2>By host</h2>\n<table><tr><th>Host</th>%s</tr>\n", table_head);
	for (size_t i = 0; i < r->n_hosts; i++) {
		if (host_refused(&r->hosts[i]))
			continue;
		fputs("<tr><td><bdi>", f);
		html_str(f, r->hosts[i].name);
		fputs("</bdi></td>", f);
		html_row_totals(f, r->hosts[i].n);
		fputs("</tr>\n", f);
	}
	fprintf(f, "</table>\n<h2>Accounts still pending (%zu)</h2>\n", r->n_order);
	if (r->n_order == 0) {
		fputs("<p>None: every exposed account has rotated.</p>\n", f);
	} else {
		fputs("<table><tr><th>Host</th><th>User</th><th>Verdict</th><th>Advisories</"
		      "th><th>Exposed since</th></tr>\n",
		      f);
		for (size_t i = 0; i < r->n_order; i++) {
			const struct acct *a = &r->accts[r->order[i]];

			fputs("<tr><td><bdi>", f);
			html_str(f, r->hosts[a->host].name);
			fputs("</bdi></td><td><bdi>", f);
			html_str(f, a->user);
			fprintf(f, "</bdi></td><td class=\"%s\">%s</td><td>",
				a->verdict == V_ENFORCE ? "bad" : "warn", vname[a->verdict]);
			for (size_t k = 0; k < a->n_adv; k++) {
				const struct adv *ad = &r->advs[a->adv[k]];

				fputs(k ? ", <bdi>" : "<bdi>", f);
				html_str(f, ad->name);
				fputs("</bdi>", f);
				if (ad->shared) /* which of the name's dates */
					fprintf(f, " (%s)", ad->date[0] ? ad->date : "no date");
			}
			fprintf(f, "</td><td class=\"d\">%s</td></tr>\n",
				a->since[0] ? a->since : "-");
		}
		fputs("</table>\n", f);
	}
	fputs("</body></html>\n", f);
}

/* --- the command ------------------------------------------------------------- */

static int read_file(const char *path, char **buf, size_t *len)
{
	const char *why = NULL;
	int rc;

	/* Scans are data from other hosts, not trusted files: only the size is capped. */
	rc = bg_read_small_file(path, 0, BG_REPORT_FILE_MAX, buf, len, &why);
	if (rc != 0)
		fprintf(stderr, "breachguard: report: %s: %s\n", path, why ? why : strerror(-rc));
	return rc;
}

/* The page, written beside path and renamed over it: a reader sees the old
 * page or the new one, never half of one, and a failure leaves the old one. */
static int write_page(const struct bg_report *r, const char *path)
{
	char tmp[BG_PATH_MAX + 16];
	const char *step = NULL;
	struct stat old;
	FILE *f = NULL;
	int fd, e = 0;

	/* Checked again here: the path may have changed while the scans were read. */
	if ((e = bg_out_path_stat("report", path, &old)) != 0)
		return e;
	if (strlen(path) + sizeof(".XXXXXX") > sizeof(tmp)) {
		fprintf(stderr, "breachguard: report: %s: path too long\n", path);
		return -ENAMETOOLONG;
	}
	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		e = -errno;
		fprintf(stderr, "breachguard: report: %s: creating %s beside it: %s\n", path, tmp,
			strerror(-e));
		return e;
	}
	if (!(f = fdopen(fd, "w"))) {
		e = -errno;
		close(fd);
		step = "opening";
		goto out;
	}
	errno = 0;
	bg_report_html(r, f);
	if (fflush(f) != 0 || ferror(f)) {
		e = errno ? -errno : -EIO;
		step = "writing";
	} else if ((e = bg_out_mode(fileno(f), &old)) != 0) {
		step = "setting the mode of";
	} else if (fsync(fileno(f)) != 0) {
		e = -errno;
		step = "writing";
	}
	if (fclose(f) != 0 && !step) {
		e = -errno;
		step = "writing";
	}
	if (!step && rename(tmp, path) != 0) {
		e = -errno;
		step = "renaming over it";
	}
out:
	if (step) {
		fprintf(stderr, "breachguard: report: %s: %s %s: %s; %s is as it was\n", path, step,
			tmp, strerror(-e), path);
		unlink(tmp);
	}
	return e;
}

int bg_cmd_report(struct bg_tool *t, int argc, char **argv)
{
	static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
					     {"html", required_argument, NULL, 'H'},
					     {NULL, 0, NULL, 0}};
	static const char synopsis[] = "[--json] [--html FILE] SCAN.json...";
	const char *html = NULL;
	struct bg_report *r = NULL;
	bool json = false;
	int c, rc = BG_EXIT_FAIL;

	(void)t;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'j')
			json = true;
		else if (c == 'H')
			html = optarg;
		else
			return bg_usage("report", synopsis);
	}
	if (optind >= argc)
		return bg_usage("report", synopsis);
	if (html && bg_out_path_ok("report", html) != 0)
		return BG_EXIT_FAIL;
	if (!(r = bg_report_new())) {
		fprintf(stderr, "breachguard: report: out of memory\n");
		return BG_EXIT_FAIL;
	}
	for (int i = optind; i < argc; i++) {
		char *buf = NULL, err[1024];
		size_t len = 0;

		if (read_file(argv[i], &buf, &len) != 0)
			goto out;
		if (bg_report_add(r, argv[i], buf, len, err, sizeof(err)) != 0) {
			fprintf(stderr, "breachguard: report: %s\n", err);
			free(buf);
			goto out;
		}
		free(buf);
	}
	if (bg_report_finish(r) != 0) {
		/* Without its pending list, say, the page would say every account rotated. */
		fprintf(stderr, "breachguard: report: out of memory\n");
		goto out;
	}
	bg_report_warn(r, stderr);
	if (html && write_page(r, html) != 0)
		goto out;
	if (json) {
		bg_report_json(r, stdout);
	} else if (!html) {
		uint64_t pending = pending_of(r->total);

		printf("%zu host(s), %zu advisor%s: %llu exposed, %llu rotated, %llu pending "
		       "(%llu enforced, %llu in grace)\n",
		       r->n_counted, r->n_advs, r->n_advs == 1 ? "y" : "ies",
		       (unsigned long long)(r->total[V_ROTATED] + pending),
		       (unsigned long long)r->total[V_ROTATED], (unsigned long long)pending,
		       (unsigned long long)r->total[V_ENFORCE],
		       (unsigned long long)r->total[V_GRACE]);
		for (size_t i = 0; i < r->n_order; i++) {
			const struct acct *a = &r->accts[r->order[i]];

			/* Names from other hosts are hostile: quoted and escaped. */
			fputs("  pending: ", stdout);
			bg_json_str(stdout, r->hosts[a->host].name);
			putchar(' ');
			bg_json_str(stdout, a->user);
			printf(" (%s) since %s\n", vname[a->verdict], a->since[0] ? a->since : "-");
		}
	}
	/* Written, but a host is left out: a cron job or a play that only looks
	 * at the exit status must not take the totals for the fleet's. */
	rc = BG_EXIT_OK;
	for (size_t i = 0; i < r->n_hosts; i++)
		if (host_refused(&r->hosts[i]))
			rc = BG_EXIT_PARTIAL;
out:
	bg_report_free(r);
	return rc;
}
