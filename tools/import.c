/* import.c: `breachguard import`, in one line of flow: open the store, read
 * every input into the pipe (import_pipe.c: readers hand candidate addresses to
 * its sink; workers normalise, digest and sort them into runs, spooled so that
 * memory stays bounded), then one transaction puts each unique digest the pipe
 * hands back, commit, report.  Only when every file has been read without a
 * fatal error is anything written: an interrupted or failed import leaves the
 * store as it was, and a full map is grown and the job redone.  --dry-run is
 * the same job on a read transaction, whose put only looks up. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdint.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "encoding.h"
#include "escape.h"
#include "import_pipe.h"
#include "identity.h"
#include "reader.h"
#include "unpack.h"
#include "session.h"
#include "workbook.h"

#define SHEETS_NAMED 64 /* sheet names kept for the report; later ones by number */

struct file_rec {
	const char *path; /* the display name: "FILE" or "ARCHIVE:MEMBER" */
	const char *format;
	char encoding[BG_ENC_NAME_MAX];
	char compression[16];
	unsigned long bad_lines, first_bad;
	uint64_t repeats;    /* a candidate the same as the one before it, valid */
	uint64_t repeats_in; /* of them in a configured domain */
	char sheet[SHEETS_NAMED][64];
	struct bg_file_stats c;
	char name[1024];
};

struct import_opts {
	const char *name;
	const char *format;
	const char *encoding;
	const char *password_file;
	unsigned long long max_unpacked;
	unsigned long max_members;
	unsigned max_ratio;
	long long date;
	long grace;
	bool dry_run, json, strict;
	bool again; /* a bundle: bring back advisories forgotten here */
	struct bg_read_opts ro;
};

struct importer {
	struct bg_pipe *pipe;
	struct file_rec *cur;
	const struct import_opts *o;
	struct bg_unpack unpack;
	struct bg_sink sink; /* what every reader of this import writes to (sink_*) */
	/* One record per input read: a file, or each member of an archive. */
	struct file_rec **recs;
	size_t nrecs, cap;
	bool progress, progress_shown;
	/* The candidate before: a list that repeats one address a million times
	 * costs one normalisation and no digests (see sink_address). */
	struct bg_norm_opts norm;
	char last[BG_ID_MAX];
	size_t last_len;
	int last_state; /* 0 none, 1 valid, -1 not known yet, <= -2 invalid (-2 - err) */
	bool last_in;	/* valid, and in a configured domain (bg_pipe_in_domains) */
	/* the configured domains as the report names them ("" when none) */
	char domains[256];
};

static void sink_invalid(struct bg_sink *s, unsigned long line, const char *why, const char *text,
			 size_t len)
{
	struct importer *im = s->arg;

	bg_invalid_note(&im->cur->c, line, why, text, text ? len : 0);
}

static void sink_record(struct bg_sink *s)
{
	struct importer *im = s->arg;

	im->cur->c.records++;
}

static void sink_defanged(struct bg_sink *s, unsigned long line)
{
	struct importer *im = s->arg;

	(void)line;
	im->cur->c.defanged++;
}

static void sink_sheet(struct bg_sink *s, unsigned idx, const char *name)
{
	struct importer *im = s->arg;

	if (idx >= 1 && idx <= SHEETS_NAMED)
		snprintf(im->cur->sheet[idx - 1], sizeof(im->cur->sheet[0]), "%s", name);
}

/* Where an invalid record is: "line N", or "sheet NAME row N" in a workbook. */
static void where(const struct file_rec *f, unsigned long line, char *out, size_t outlen)
{
	unsigned idx = BG_LINE_SHEET(line);

	if (idx == 0)
		snprintf(out, outlen, "line %lu", line);
	else if (idx <= SHEETS_NAMED && f->sheet[idx - 1][0])
		snprintf(out, outlen, "sheet %s row %lu", f->sheet[idx - 1], BG_LINE_ROW(line));
	else
		snprintf(out, outlen, "sheet #%u row %lu", idx, BG_LINE_ROW(line));
}

/* An Entra ID (Azure AD) guest's user principal name is its own address with
 * the '@' made '_', then "#EXT#@" and the tenant's domain
 * ("guest_ext.com#EXT#@contoso.onmicrosoft.com"): no mailbox of anybody's.
 * The address it stands for, into out (domains hold no '_': the last one
 * is the '@'): its length; 0 when addr is no such name; -1 when it is one
 * without an address in it. */
static int entra_guest(const char *addr, size_t len, char *out, size_t cap)
{
	const char *ext, *us;
	size_t local;

	if (!memchr(addr, '#', len) || !(ext = memmem(addr, len, "#EXT#@", 6)))
		return 0;
	local = (size_t)(ext - addr);
	for (us = ext; us > addr && us[-1] != '_'; us--)
		;
	if (us == addr || us - 1 == addr || us == ext || local >= cap)
		return -1;
	memcpy(out, addr, local);
	out[us - 1 - addr] = '@';
	out[local] = '\0';
	return (int)local;
}

/* Whether addr is a password given with --password-file, case aside: the
 * archive's password, sent in a mail of its own and imported with the notice
 * (an mbox of both), stands on a line alone or after a label no reader knows
 * ("解凍パスワード　Pw@2021.jp", "パスワードは Pw@2021.jp です").  Before: it
 * was stored as an exposed address. */
static bool given_password(const struct importer *im, const char *addr, size_t len)
{
	for (size_t i = 0; i < im->unpack.npasswords; i++)
		if (strlen(im->unpack.passwords[i]) == len &&
		    strncasecmp(im->unpack.passwords[i], addr, len) == 0)
			return true;
	return false;
}

static int sink_address(struct bg_sink *s, const char *addr, size_t len, unsigned long line)
{
	struct importer *im = s->arg;
	char guest[BG_ID_MAX];
	int g;

	if (given_password(im, addr, len)) {
		static const char hidden[] = "(the password, not shown)";

		bg_invalid_note(&im->cur->c, line,
				"a password given with --password-file is not imported", hidden,
				sizeof(hidden) - 1);
		return 0;
	}
	g = entra_guest(addr, len, guest, sizeof(guest));
	if (g < 0) {
		bg_invalid_note(&im->cur->c, line,
				"an Entra ID guest's user principal name without its address", addr,
				len);
		return 0;
	}
	if (g > 0) {
		addr = guest;
		len = (size_t)g;
	}
	if (im->last_state != 0 && len == im->last_len && memcmp(addr, im->last, len) == 0) {
		/* The same text gives the same verdict: a duplicate if valid, the same
		 * invalid reason (with this line) if not. */
		if (im->last_state == -1) {
			char out[BG_ID_MAX];
			int n = bg_normalise(addr, len, &im->norm, out, sizeof(out));

			im->last_state = n >= 0 ? 1 : -2 + n;
			im->last_in = n >= 0 && bg_pipe_in_domains(im->pipe, out, (size_t)n);
		}
		if (im->last_state == 1) {
			im->cur->repeats++;
			im->cur->repeats_in += im->last_in;
			return 0;
		}
		bg_invalid_note(&im->cur->c, line, bg_norm_strerror(im->last_state + 2), addr, len);
		return 0;
	}
	if (len < sizeof(im->last)) {
		memcpy(im->last, addr, len);
		im->last_len = len;
		im->last_state = -1;
	} else {
		im->last_state = 0;
	}
	return bg_pipe_add(im->pipe, addr, len, line);
}

/* On a terminal, for an input that takes more than a few seconds. */
static void show_progress(void *arg, const char *name, unsigned long long done,
			  unsigned long long total)
{
	struct importer *im = arg;
	char safe[BG_PATH_MAX * 4];

	im->progress_shown = true;
	bg_escape(name, 0, safe, sizeof(safe));
	if (total)
		fprintf(stderr, "\r\033[K%s: %llu of %llu MiB read (%llu%%) ...", safe, done >> 20,
			total >> 20, done * 100 / total);
	else
		fprintf(stderr, "\r\033[K%s: %llu MiB read ...", safe, done >> 20);
}

static struct file_rec *new_rec(struct importer *im, const char *name)
{
	struct file_rec *f;

	if (im->nrecs == im->cap) {
		size_t cap = im->cap ? im->cap * 2 : 8;
		struct file_rec **r = realloc(im->recs, cap * sizeof(*r));

		if (!r)
			return NULL;
		im->recs = r;
		im->cap = cap;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	if (bg_pipe_begin_file(im->pipe, &f->c) != 0) {
		free(f);
		return NULL;
	}
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->path = f->name;
	im->last_state = 0;
	im->recs[im->nrecs++] = f;
	im->cur = f;
	return f;
}

/* The pipeline's own failure (a full spool disk) is the cause; a reader's
 * "import stopped" only says where it noticed. */
static int end_rec(struct importer *im, int rc, struct bg_err *err)
{
	int r2 = bg_pipe_end_file(im->pipe, false);

	/* The workers are idle now: the repeats join the counts. */
	im->cur->c.addresses += im->cur->repeats;
	im->cur->c.duplicates += im->cur->repeats;
	im->cur->c.in_domains += im->cur->repeats_in;
	im->cur->repeats = im->cur->repeats_in = 0;
	im->last_state = 0;
	if (bg_err_isset(bg_pipe_err(im->pipe)) && (rc || r2)) {
		bg_err_clear(err); /* the pipe's failure is the cause, not "import stopped" */
		bg_err_copy(err, bg_pipe_err(im->pipe));
	}
	return rc ? rc : r2;
}

/* A member that is no list (a PDF cover letter in the zip, an image): reported,
 * counted, not read.  At the top level the same refusal stops the import. */
static void skip_member(void *arg, const char *name, const char *why)
{
	struct importer *im = arg;
	struct file_rec *f = new_rec(im, name);
	struct bg_err e = BG_ERR_INIT;

	if (!f)
		return;
	f->format = "skipped";
	bg_invalid_note(&f->c, 0, why, name, strlen(name));
	end_rec(im, 0, &e);
}

/* --format xlsx|ods|workbook: a workbook is a zip, which read_path always
 * unpacks and hands to read_book; an input that gets here is none. */
static bool workbook_format(const char *format)
{
	return format && (strcmp(format, "xlsx") == 0 || strcmp(format, "ods") == 0 ||
			  strcmp(format, "workbook") == 0);
}

/* One input that is not an archive: detect its format and read it. */
static int read_leaf(void *arg, struct bg_input *in, int depth, struct bg_err *err)
{
	struct importer *im = arg;
	const struct bg_reader *rd;
	struct bg_reader_ctx rctx;
	struct bg_err refusal = BG_ERR_INIT;
	struct file_rec *f;
	const char *format = im->o->format;
	int rc;

	if (depth > 0) {
		if (im->progress)
			bg_input_set_progress(in, show_progress, im);
		/* --encoding holds for every member (validated when parsed). */
		bg_input_set_encoding(in, im->o->encoding, NULL);
	}
	if (format && strcmp(format, "eml") == 0)
		bg_input_set_encoding(in, "raw", NULL);
	if (format && strcmp(format, "html") == 0)
		bg_reader_html_charset(in, true);
	if (workbook_format(format))
		return bg_err_set(err, -EINVAL, "%s: --format %s: not a workbook (.xlsx or .ods)",
				  bg_input_name(in), format);
	if (!format || strcmp(format, "auto") == 0)
		rd = bg_reader_detect(in, bg_input_name(in), &refusal);
	else
		rd = bg_reader_by_name(format);
	if (!rd) {
		/* Inside an archive, a member that is plainly not a list is skipped;
		 * a broken one (the input's own error) still stops the import. */
		if (depth > 0 && !bg_err_isset(bg_input_error(in))) {
			const char *why = refusal.msg;
			size_t nl = strlen(bg_input_name(in));

			if (strncmp(why, bg_input_name(in), nl) == 0 && why[nl] == ':')
				why += nl + 2;
			skip_member(im, bg_input_name(in), why);
			return 0;
		}
		bg_err_copy(err, &refusal);
		return -EINVAL;
	}
	f = new_rec(im, bg_input_name(in));
	if (!f)
		return bg_err_set(err, -ENOMEM, "%s: out of memory", bg_input_name(in));
	f->format = rd->name;
	bg_reader_ctx_init(&rctx, in, NULL, &im->o->ro, &im->sink);
	rctx.within = depth > 0;
	rc = bg_reader_finish(&rctx, rd->read(&rctx));
	rc = end_rec(im, rc, &rctx.err);
	bg_err_copy(err, &rctx.err);
	snprintf(f->encoding, sizeof(f->encoding), "%s", bg_input_encoding(in));
	snprintf(f->compression, sizeof(f->compression), "%s", bg_input_compression(in));
	f->bad_lines = bg_input_bad_lines(in, &f->first_bad);
	return rc;
}

static int read_book(void *arg, int fd, int kind, const char *name, struct bg_err *err)
{
	struct importer *im = arg;
	struct file_rec *f = new_rec(im, name);
	struct bg_reader_ctx rctx;
	int rc;

	if (!f)
		return bg_err_set(err, -ENOMEM, "%s: out of memory", name);
	f->format = kind == BG_WORKBOOK_ODS ? "ods" : "xlsx";
	if (lseek(fd, 0, SEEK_SET) != 0)
		return end_rec(im, bg_err_errno(err, -errno, name), err);
	bg_reader_ctx_init(&rctx, NULL, name, &im->o->ro, &im->sink);
	rc = bg_reader_finish(&rctx, bg_workbook_read(&rctx, fd));
	rc = end_rec(im, rc, &rctx.err);
	bg_err_copy(err, &rctx.err);
	return rc;
}

/* Reads one file named on the command line (an archive: each member) into
 * the pipe; sha: the file's SHA-256.  0 or a negative errno (e says why). */
static int read_path(struct importer *im, const char *path, unsigned char sha[BG_SHA256_LEN],
		     struct bg_err *e)
{
	static char drain[64 * 1024];
	struct bg_input *in = NULL;
	struct bg_err err = BG_ERR_INIT;
	int rc, kind;

	rc = bg_input_open(&in, path, &err);
	if (rc != 0)
		goto out;
	rc = bg_input_set_encoding(in, im->o->encoding, &err);
	if (rc != 0)
		goto out;
	if (im->progress)
		bg_input_set_progress(in, show_progress, im);
	/* Archives are always unpacked; --format applies to what is in them. */
	kind = bg_archive_kind(in);
	if (kind != BG_ARCHIVE_NONE)
		rc = bg_unpack_read(&im->unpack, in, kind, 0, &err);
	else
		rc = read_leaf(im, in, 0, &err);
	/* The source's SHA-256 is of the whole file, whatever was read of it. */
	if (rc == 0) {
		long n;

		while ((n = bg_input_read_plain(in, drain, sizeof(drain), &err)) > 0)
			;
		rc = (int)n;
	}
	if (rc == 0)
		bg_input_sha256(in, sha);
out:
	if (im->progress_shown) {
		fprintf(stderr, "\r\033[K");
		im->progress_shown = false;
	}
	if (rc != 0) {
		const char *msg = err.msg[0] ? err.msg : strerror(-rc);

		/* Messages from input and readers already name the file. */
		if (strncmp(msg, path, strlen(path)) == 0 ||
		    (strcmp(path, "-") == 0 && strncmp(msg, "stdin", 5) == 0))
			bg_err_set(e, rc, "%s", msg);
		else
			bg_err_set(e, rc, "%s: %s", path, msg);
	}
	bg_input_close(in);
	return rc;
}

/* dom: domains are configured (in_domains is then counted, and shown). */
static void print_counts(const struct bg_file_stats *c, bool json, bool dom)
{
	if (json) {
		printf(
		    "\"read\": %llu, \"addresses\": %llu, \"invalid\": %llu, \"duplicates\": %llu, "
		    "\"new\": %llu, \"known\": %llu, \"defanged\": %llu",
		    (unsigned long long)c->records, (unsigned long long)c->addresses,
		    (unsigned long long)c->invalid, (unsigned long long)c->duplicates,
		    (unsigned long long)c->fresh, (unsigned long long)c->known,
		    (unsigned long long)c->defanged);
		if (dom)
			printf(", \"in_domains\": %llu", (unsigned long long)c->in_domains);
		else
			printf(", \"in_domains\": null");
	} else {
		printf("%llu read, %llu addresses, %llu invalid, %llu duplicates, %llu new, %llu "
		       "known",
		       (unsigned long long)c->records, (unsigned long long)c->addresses,
		       (unsigned long long)c->invalid, (unsigned long long)c->duplicates,
		       (unsigned long long)c->fresh, (unsigned long long)c->known);
		if (c->defanged)
			printf(", %llu defanged", (unsigned long long)c->defanged);
	}
}

/* How many of the addresses are in the configured domains (domains, shown as
 * the configuration lists them; "" when none), when not all are: a list for
 * another organisation's domain, or a configuration naming the wrong one,
 * would import "successfully" and match nobody here by those names. */
static void domains_line(const char *domains, const struct bg_file_stats *t)
{
	static const char rest[] = "an account here only through the aliases file, a GECOS field "
				   "(gecos_email) or a user name that is an address";
	uint64_t out = t->addresses - t->in_domains;

	if (!domains[0] || t->addresses == 0 || t->in_domains >= t->addresses)
		return;
	if (t->in_domains == 0 && t->addresses == 1)
		printf("warning: the address is not in the configured domains (%s): it matches %s; "
		       "check \"domains\" in the configuration\n",
		       domains, rest);
	else if (t->in_domains == 0)
		printf(
		    "warning: none of the %llu addresses is in the configured domains (%s): they "
		    "match %s; check \"domains\" in the configuration\n",
		    (unsigned long long)t->addresses, domains, rest);
	else
		printf("domains: %llu of the %llu addresses %s in the configured domains (%s); %s "
		       "%s\n",
		       (unsigned long long)t->in_domains, (unsigned long long)t->addresses,
		       t->in_domains == 1 ? "is" : "are", domains,
		       out == 1 ? "the other matches" : "the others match", rest);
}

/* refused: nothing is written (the error line says why): no advisory line. */
static void report(const struct import_opts *o, const struct bg_advisory *a, bool existed,
		   bool refused, struct file_rec **files, size_t nfiles,
		   const struct bg_file_stats *total, const char *domains)
{
	bool dom = domains[0] != '\0';

	char day[16], safe[BG_ID_MAX * 8];

	bg_day(a->published, day, sizeof(day));
	if (o->json) {
		printf("{\"advisory\": ");
		bg_json_advisory_head(stdout, a->id, a->name, a->published);
		printf(", \"existed\": %s}, \"dry_run\": %s, ", existed ? "true" : "false",
		       o->dry_run ? "true" : "false");
		print_counts(total, true, dom);
		printf(", \"files\": [");
		for (size_t i = 0; i < nfiles; i++) {
			printf("%s{\"file\": ", i ? ", " : "");
			bg_json_str(stdout, files[i]->path);
			printf(", \"format\": ");
			bg_json_str(stdout, files[i]->format ? files[i]->format : "");
			printf(", \"encoding\": ");
			bg_json_str(stdout, files[i]->encoding);
			printf(", \"compression\": ");
			bg_json_str(stdout, files[i]->compression);
			printf(", \"encoding_errors\": %lu", files[i]->bad_lines);
			if (files[i]->bad_lines)
				printf(", \"encoding_errors_first_line\": %lu",
				       files[i]->first_bad);
			printf(", ");
			print_counts(&files[i]->c, true, dom);
			printf(", \"invalid_lines\": [");
			for (size_t j = 0; j < files[i]->c.n_shown; j++) {
				unsigned long l = files[i]->c.shown[j].line;
				unsigned idx = BG_LINE_SHEET(l);

				printf("%s{\"line\": %lu, ", j ? ", " : "",
				       idx ? BG_LINE_ROW(l) : l);
				if (idx) {
					printf("\"sheet\": ");
					bg_json_str(stdout, idx <= SHEETS_NAMED
								? files[i]->sheet[idx - 1]
								: "");
					printf(", ");
				}
				printf("\"why\": ");
				bg_json_str(stdout, files[i]->c.shown[j].why);
				printf(", \"text\": ");
				bg_json_str(stdout, files[i]->c.shown[j].text);
				printf("}");
			}
			printf("]}");
		}
		printf("]}\n");
		return;
	}
	for (size_t i = 0; i < nfiles; i++) {
		printf("%s (%s%s%s%s%s): ", bg_escape(files[i]->path, 0, safe, sizeof(safe)),
		       files[i]->format ? files[i]->format : "?", files[i]->encoding[0] ? ", " : "",
		       files[i]->encoding, files[i]->compression[0] ? ", " : "",
		       files[i]->compression);
		print_counts(&files[i]->c, false, dom);
		printf("\n");
		if (files[i]->bad_lines)
			printf(
			    "  %lu line(s) with bytes that are not valid %s, the first at line %lu "
			    "(no address is taken from those bytes; give --encoding if the "
			    "encoding is wrong)\n",
			    files[i]->bad_lines, files[i]->encoding, files[i]->first_bad);
		for (size_t j = 0; j < files[i]->c.n_shown; j++) {
			char at[128];

			if (files[i]->format && strcmp(files[i]->format, "skipped") == 0) {
				printf("  not read: %s\n", files[i]->c.shown[j].why);
				continue;
			}
			where(files[i], files[i]->c.shown[j].line, at, sizeof(at));
			printf("  %s: %s: \"%s\"\n", at, files[i]->c.shown[j].why,
			       bg_escape(files[i]->c.shown[j].text, BG_ESC_QUOTES, safe,
					 sizeof(safe)));
		}
		if (files[i]->c.invalid > files[i]->c.n_shown)
			printf("  ... and %llu more invalid\n",
			       (unsigned long long)(files[i]->c.invalid - files[i]->c.n_shown));
	}
	if (nfiles > 1) {
		printf("total: ");
		print_counts(total, false, dom);
		printf("\n");
	}
	domains_line(domains, total);
	if (refused)
		return;
	bg_escape(a->name, BG_ESC_QUOTES, safe, sizeof(safe));
	if (o->dry_run)
		printf("dry run: nothing written (advisory \"%s\" %s)\n", safe,
		       existed ? "exists" : "would be new");
	else
		printf("advisory %u \"%s\"%s%s: %llu identities in all\n", a->id, safe,
		       day[0] ? " published " : "", day, (unsigned long long)a->count);
}

/* 0, or -1 for the usage (e says why, where getopt has not). */
static int parse_import_opts(int argc, char **argv, struct import_opts *o, struct bg_err *e)
{
	static const struct option opts[] = {
	    {"name", required_argument, NULL, 'n'},
	    {"date", required_argument, NULL, 'd'},
	    {"format", required_argument, NULL, 'f'},
	    {"column", required_argument, NULL, 'c'},
	    {"field", required_argument, NULL, 'F'},
	    {"domain", required_argument, NULL, 'D'},
	    {"breach", required_argument, NULL, 'b'},
	    {"grace", required_argument, NULL, 'g'},
	    {"dry-run", no_argument, NULL, 'N'},
	    {"json", no_argument, NULL, 'j'},
	    {"strict", no_argument, NULL, 's'},
	    {"again", no_argument, NULL, 'A'},
	    /* the input layer */
	    {"encoding", required_argument, NULL, 'E'},
	    {"password-file", required_argument, NULL, 'P'},
	    {"max-unpacked", required_argument, NULL, 'U'},
	    {"max-members", required_argument, NULL, 'M'},
	    {"max-ratio", required_argument, NULL, 'R'},
	    {NULL, 0, NULL, 0},
	};
	int c, r;

	memset(o, 0, sizeof(*o));
	o->date = -1;
	o->grace = -1;
	o->max_unpacked = BG_UNPACK_MAX_BYTES;
	o->max_members = BG_UNPACK_MAX_MEMBERS;
	o->max_ratio = BG_UNPACK_MAX_RATIO;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		char *end;

		switch (c) {
		case 'n':
			o->name = optarg;
			if (!optarg[0] || strlen(optarg) >= BG_NAME_MAX) {
				bg_err_set(e, -EINVAL, "--name must be 1 to %d bytes",
					   BG_NAME_MAX - 1);
				return -1;
			}
			if (bg_name_all_digits(optarg)) {
				bg_err_set(e, -EINVAL, "--name %s: %s", optarg, BG_NAME_DIGITS_WHY);
				return -1;
			}
			/* Names reach terminals and syslog: no control or bidi characters. */
			if (bg_name_problem(optarg)) {
				bg_err_set(e, -EINVAL, "--name %s; refused",
					   bg_name_problem(optarg));
				return -1;
			}
			break;
		case 'd':
			if ((r = bg_parse_day(optarg, &o->date)) != 0) {
				if (r == -ERANGE)
					bg_err_set(e, -EINVAL, "--date \"%s\": no such day",
						   optarg);
				else
					bg_err_set(e, -EINVAL, "--date \"%s\" is not YYYY-MM-DD",
						   optarg);
				return -1;
			}
			/* An exposure in the future: no change before that day counts, so
			 * every matched account is forced at each login until then. */
			if (o->date > (long long)time(NULL))
				fprintf(stderr,
					"breachguard: import: warning: --date %s is in the future: "
					"no password change before that day counts as a rotation\n",
					optarg);
			break;
		case 'f':
			if (strcmp(optarg, "auto") != 0 && !bg_reader_by_name(optarg) &&
			    !workbook_format(optarg)) {
				bg_err_set(e, -EINVAL,
					   "--format \"%s\": use auto, text, "
					   "csv, json, eml, html, ldif, vcard, "
					   "xlsx, ods or workbook",
					   optarg);
				return -1;
			}
			o->format = optarg;
			break;
		case 'c':
			if (!o->ro.column) {
				o->ro.column = optarg;
				break;
			}
			if (o->ro.n_more_columns == BG_COLUMNS_MAX - 1) {
				bg_err_set(e, -EINVAL, "--column: at most %d columns",
					   BG_COLUMNS_MAX);
				return -1;
			}
			o->ro.more_columns[o->ro.n_more_columns++] = optarg;
			break;
		case 'F':
			o->ro.field = optarg;
			break;
		case 'D':
			o->ro.domain = optarg;
			break;
		case 'b':
			o->ro.breach = optarg;
			break;
		case 'g':
			errno = 0;
			o->grace = strtol(optarg, &end, 10);
			if (errno || *end || optarg[0] < '0' || optarg[0] > '9' ||
			    o->grace > BG_GRACE_DAYS_MAX) {
				bg_err_set(e, -EINVAL, "--grace \"%s\" is not 0 to %d days", optarg,
					   BG_GRACE_DAYS_MAX);
				return -1;
			}
			break;
		case 'N':
			o->dry_run = true;
			break;
		case 'A':
			o->again = true;
			break;
		case 'j':
			o->json = true;
			break;
		case 's':
			o->strict = true;
			break;
		case 'E': {
			char canon[BG_ENC_NAME_MAX];

			if (strcmp(optarg, "auto") != 0 &&
			    bg_encoding_canonical(optarg, canon, sizeof(canon)) != 0) {
				bg_err_set(
				    e, -EINVAL,
				    "--encoding \"%s\": iconv does not "
				    "know it "
				    "(e.g. CP932, EUC-JP, ISO-2022-JP, WINDOWS-1252, GB18030, "
				    "BIG5, "
				    "CP949, UTF-8; `iconv -l` lists them)",
				    optarg);
				return -1;
			}
			o->encoding = optarg;
			break;
		}
		case 'P':
			o->password_file = optarg;
			break;
		case 'U':
		case 'M':
		case 'R': {
			unsigned long long v, mul = 1;

			errno = 0;
			v = strtoull(optarg, &end, 10);
			if (c == 'U' && end != optarg && end[0] && !end[1]) {
				mul = end[0] == 'K'   ? 1ULL << 10
				      : end[0] == 'M' ? 1ULL << 20
				      : end[0] == 'G' ? 1ULL << 30
						      : 0;
				end += mul ? 1 : 0;
			}
			if (errno || end == optarg || *end || optarg[0] < '0' || optarg[0] > '9' ||
			    v == 0 ||
			    v > (c == 'R' ? 1000000ULL : (1ULL << 50) / (mul ? mul : 1))) {
				bg_err_set(e, -EINVAL, "--%s \"%s\" is not a positive number%s",
					   c == 'U'   ? "max-unpacked"
					   : c == 'M' ? "max-members"
						      : "max-ratio",
					   optarg, c == 'U' ? " (bytes, or with K, M or G)" : "");
				return -1;
			}
			if (c == 'U')
				o->max_unpacked = v * mul;
			else if (c == 'M')
				o->max_members = (unsigned long)v;
			else
				o->max_ratio = (unsigned)v;
			break;
		}
		default:
			return -1;
		}
	}
	if (optind >= argc)
		return -1;
	/* --field names a JSON member: it implies JSON (a CSV or text reading
	 * would ignore it silently). */
	if (o->ro.field) {
		if (o->format && strcmp(o->format, "auto") != 0 && strcmp(o->format, "json") != 0) {
			bg_err_set(e, -EINVAL,
				   "--field is for JSON input, not --format %s "
				   "(use --column for CSV)",
				   o->format);
			return -1;
		}
		o->format = "json";
	}
	return 0;
}

/* The advisory name when --name is absent: the first file's base name, less .gz. */
static void default_name(const char *path, char *out, size_t len)
{
	char tmp[BG_PATH_MAX];
	size_t n;

	snprintf(tmp, sizeof(tmp), "%s", path);
	snprintf(out, len, "%s", basename(tmp));
	n = strlen(out);
	if (n > 3 && strcmp(out + n - 3, ".gz") == 0)
		out[n - 3] = '\0';
	else if (n > 3 && (strcmp(out + n - 3, ".xz") == 0 || strcmp(out + n - 4, ".zst") == 0 ||
			   strcmp(out + n - 4, ".bz2") == 0))
		out[n - (out[n - 3] == '.' ? 3 : 4)] = '\0';
}

/* The store side of an import: the advisory, then each unique digest the pipe
 * hands back, in one transaction.  The import's is a write transaction, run
 * again from scratch after a full map; --dry-run runs the same job on a read
 * transaction, where a put only looks up. */
struct store_job {
	struct bg_pipe *pipe;
	bool dry_run;
	const struct bg_advisory *want;
	const struct bg_norm_opts *norm; /* pinned as the store's by the first write */
	struct bg_advisory done;	 /* as stored (--dry-run: as found, or as wanted) */
	bool existed;
};

/* The store digest's part of the new records, on the other core while this
 * one merges and writes: the digests of new records go in batches to a
 * thread that XORs their record digests (bg_exposure_recsum), folded into the
 * transaction at the end.  XOR is order-free: the same bytes as inline.  When
 * the thread is still busy with the batch before, the writer sums the batch
 * it has filled itself instead of waiting: the work is shared by whichever
 * core is free.  What each thread writes per record lives on cache lines of
 * its own (sharing one made every record a cache miss on both cores). */
#define SUM_BATCH 8192
#define SUM_SLOTS 4
#define LINE 64

struct sum_part {
	struct bg_hmac *h; /* a copy of the keyed state for each thread */
	uint64_t count;
	unsigned char acc[BG_DIGEST_LEN];
	int rc;
};

struct summer {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint32_t id;
	bool full[SUM_SLOTS], stop;
	size_t n[SUM_SLOTS];  /* a slot's count, set by the writer as it hands it over */
	struct sum_part part; /* the thread's, read after the join */
	/* The writer's alone. */
	_Alignas(LINE) size_t fill, fill_n; /* the slot it fills, and how many so far */
	struct sum_part own;
	_Alignas(LINE) unsigned char d[SUM_SLOTS][SUM_BATCH * BG_DIGEST_LEN];
};

static void sum_batch(struct sum_part *p, uint32_t id, const unsigned char *d, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char x[BG_DIGEST_LEN];

		if (bg_exposure_recsum(p->h, d + i * BG_DIGEST_LEN, id, x) != 0)
			p->rc = -EIO;
		for (size_t b = 0; b < BG_DIGEST_LEN; b++)
			p->acc[b] ^= x[b];
	}
	p->count += n;
}

static void *summer_main(void *arg)
{
	struct summer *s = arg;
	struct sum_part p = s->part; /* a local: no line shared with the writer */
	size_t j = 0;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		size_t n;

		while (!s->full[j] && !s->stop)
			pthread_cond_wait(&s->cv, &s->mu);
		if (!s->full[j])
			break;
		n = s->n[j];
		pthread_mutex_unlock(&s->mu);
		sum_batch(&p, s->id, s->d[j], n);
		pthread_mutex_lock(&s->mu);
		s->full[j] = false;
		j = (j + 1) % SUM_SLOTS;
	}
	s->part = p;
	pthread_mutex_unlock(&s->mu);
	bg_wipe(&p, sizeof(p));
	return NULL;
}

static void summer_free(struct summer *s)
{
	bg_hmac_free(s->part.h);
	bg_hmac_free(s->own.h);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	bg_wipe(s, sizeof(*s));
	free(s);
}

/* NULL when no thread can start: the caller sums inline. */
static struct summer *summer_start(struct bg_txn *t, uint32_t id)
{
	struct summer *s = aligned_alloc(LINE, sizeof(*s));

	if (!s)
		return NULL;
	memset(s, 0, sizeof(*s));
	s->id = id;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	if (bg_txn_hmac_dup(t, &s->part.h) == 0 && bg_txn_hmac_dup(t, &s->own.h) == 0 &&
	    pthread_create(&s->th, NULL, summer_main, s) == 0)
		return s;
	summer_free(s);
	return NULL;
}

/* The filled slot: handed over while the thread has a free slot to come
 * back to (the next one), else summed here.  The writer never waits. */
static void summer_hand(struct summer *s)
{
	size_t next = (s->fill + 1) % SUM_SLOTS;
	bool busy;

	pthread_mutex_lock(&s->mu);
	busy = s->full[next];
	if (!busy) {
		s->n[s->fill] = s->fill_n;
		s->full[s->fill] = true;
		pthread_cond_broadcast(&s->cv);
	}
	pthread_mutex_unlock(&s->mu);
	if (busy)
		sum_batch(&s->own, s->id, s->d[s->fill], s->fill_n);
	else
		s->fill = next;
	s->fill_n = 0;
}

static void summer_add(struct summer *s, const unsigned char d[BG_DIGEST_LEN])
{
	memcpy(s->d[s->fill] + s->fill_n * BG_DIGEST_LEN, d, BG_DIGEST_LEN);
	if (++s->fill_n == SUM_BATCH)
		summer_hand(s);
}

/* Waits for the thread; with fold, XORs both sums into the transaction.  0 or
 * a negative errno. */
static int summer_end(struct summer *s, struct bg_txn *t, bool fold)
{
	int rc;

	if (!s)
		return 0;
	if (s->fill_n)
		sum_batch(&s->own, s->id, s->d[s->fill], s->fill_n);
	pthread_mutex_lock(&s->mu);
	s->stop = true;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->th, NULL);
	rc = s->part.rc ? s->part.rc : s->own.rc;
	if (fold && rc == 0) {
		if (s->part.count)
			bg_txn_sum_fold(t, s->part.acc);
		if (s->own.count)
			bg_txn_sum_fold(t, s->own.acc);
	}
	summer_free(s);
	return rc;
}

/* One unique digest of file f: written, or (dry_run) looked up; either way
 * counted new or known to the store.  added: pairs new to the advisory.
 * sum: where the new record's store digest goes (NULL: inline). */
static int put(struct bg_txn *t, bool dry_run, uint32_t id, const unsigned char d[BG_DIGEST_LEN],
	       struct bg_file_stats *f, uint64_t *added, struct summer *sum)
{
	bool fresh;
	int rc;

	if (dry_run) {
		uint32_t ids[1];
		size_t n;

		rc = bg_exposure_ids(t, d, ids, 1, &n);
		if (rc != 0 && rc != -ENOENT)
			return rc;
		fresh = rc == -ENOENT;
	} else {
		rc = sum ? bg_exposure_add_nosum(t, d, id) : bg_exposure_add(t, d, id);
		if (rc < 0)
			return rc;
		if (sum && rc != BG_EXP_KNOWN_PAIR)
			summer_add(sum, d);
		fresh = rc == BG_EXP_NEW_IDENTITY;
		*added += rc != BG_EXP_KNOWN_PAIR;
	}
	if (fresh)
		f->fresh++;
	else
		f->known++;
	return 0;
}

static int store_job(struct bg_txn *t, void *arg)
{
	struct store_job *j = arg;
	struct bg_advisory cur;
	struct bg_file_stats *f;
	unsigned char d[BG_DIGEST_LEN];
	uint64_t added = 0;
	struct summer *sum;
	int rc, r2;

	if (!j->dry_run && (rc = bg_store_norm_pin(t, j->norm)) != 0)
		return rc;
	rc = bg_advisory_find(t, j->want->name, &cur);
	j->existed = rc == 0;
	if (rc == -ENOENT) {
		cur = *j->want;
		cur.id = 0;
		cur.count = 0;
	} else if (rc != 0) {
		return rc;
	} else if (!j->dry_run) {
		/* Same name: same advisory.  Its exposure time never moves. */
		cur.published = j->want->published >= 0 ? j->want->published : cur.published;
		cur.grace_days = j->want->grace_days >= 0 ? j->want->grace_days : cur.grace_days;
		memcpy(cur.source_sha256, j->want->source_sha256, 32);
	}
	if (!j->dry_run && (rc = bg_advisory_put(t, &cur)) != 0)
		return rc;
	bg_pipe_rewind(j->pipe);
	sum = j->dry_run ? NULL : summer_start(t, cur.id);
	while ((rc = bg_pipe_next(j->pipe, d, &f)) == 1)
		if ((rc = put(t, j->dry_run, cur.id, d, f, &added, sum)) != 0)
			break;
	r2 = summer_end(sum, t, rc == 0);
	if (rc == 0)
		rc = r2;
	if (rc != 0)
		return rc;
	cur.count += added;
	j->done = cur;
	return j->dry_run ? 0 : bg_advisory_put(t, &cur);
}

/* Runs the job and commits (--dry-run: on a read transaction, then ends it). */
static int store(struct store_job *j, struct bg_store *st, uint64_t digests)
{
	struct bg_store_stats ss;
	struct bg_txn *t;
	uint64_t want;
	int rc;

	if (j->dry_run) {
		if ((rc = bg_txn_begin(st, false, &t)) != 0)
			return rc;
		rc = store_job(t, j);
		bg_txn_abort(t);
		return rc;
	}
	/* New pages for the new pairs, plus copies of the pages the writes touch (at
	 * most four per digest, at most the whole store).  A low guess costs one
	 * redo (the map doubles); a high one only reserves disk. */
	if ((rc = bg_store_stats(st, &ss)) != 0)
		return rc;
	want = digests * 64 + (digests * 16384 < ss.used_bytes ? digests * 16384 : ss.used_bytes) +
	       (256u << 10);
	return bg_store_write(st, want, store_job, j);
}

static void importer_init(struct importer *im, struct import_opts *o)
{
	memset(im, 0, sizeof(*im));
	im->o = o;
	im->progress = isatty(2);
	bg_unpack_init(&im->unpack);
	im->unpack.max_bytes = o->max_unpacked;
	im->unpack.max_members = o->max_members;
	im->unpack.max_ratio = o->max_ratio;
	im->unpack.member = read_leaf;
	im->unpack.workbook = read_book;
	im->unpack.skipped = skip_member;
	im->unpack.arg = im;
	im->sink = (struct bg_sink){.address = sink_address,
				    .invalid = sink_invalid,
				    .record = sink_record,
				    .arg = im,
				    .defanged = sink_defanged,
				    .sheet = sink_sheet};
	o->ro.unpack = &im->unpack; /* e-mail attachments unpack with the same limits */
	o->ro.encoding = o->encoding;
}

static void importer_free(struct importer *im)
{
	bg_pipe_free(im->pipe);
	for (size_t i = 0; i < im->nrecs; i++)
		free(im->recs[i]);
	free(im->recs);
	bg_unpack_free(&im->unpack);
}

/* The advisory asked for: its name (--name, else from the first file), --date
 * and --grace.  0, 1 for the usage, or a negative errno (e says why). */
static int wanted_advisory(const struct import_opts *o, const char *first, struct bg_advisory *a,
			   struct bg_err *e)
{
	char safe[BG_NAME_MAX * 8];

	memset(a, 0, sizeof(*a));
	if (o->name)
		snprintf(a->name, sizeof(a->name), "%s", o->name);
	else if (strcmp(first, "-") == 0)
		return 1;
	else
		default_name(first, a->name, sizeof(a->name));
	if (bg_name_problem(a->name))
		return bg_err_set(e, -EINVAL,
				  "the advisory name \"%.300s\" (from the file name) %s; give one "
				  "with --name",
				  bg_escape(a->name, BG_ESC_QUOTES, safe, sizeof(safe)),
				  bg_name_problem(a->name));
	if (bg_name_all_digits(a->name))
		return bg_err_set(
		    e, -EINVAL,
		    "the advisory name \"%s\" (from the file name): %s; give one with "
		    "--name",
		    a->name, BG_NAME_DIGITS_WHY);
	a->published = o->date;
	a->imported = (int64_t)time(NULL);
	a->grace_days = (int32_t)o->grace;
	return 0;
}

/* Key, store and pipe; first of all, so that a wrong key stops the import
 * before any reading.  0 or a negative errno (e says why, or the context
 * has logged it). */
static int open_all(struct importer *im, struct bg_ctx *ctx, const struct bg_config *cfg,
		    struct bg_err *e)
{
	int rc;

	if (im->o->password_file &&
	    (rc = bg_unpack_passwords(&im->unpack, im->o->password_file, e)) != 0)
		return rc;
	if ((rc = bg_ctx_open(ctx)) != 0 || (rc = bg_ctx_norm_check(ctx)) != 0)
		return rc;
	bg_norm_opts_from_config(&im->norm, cfg);
	if ((rc = bg_pipe_new(&im->pipe, &im->norm, ctx->key, e)) != 0)
		return rc;
	if ((rc = bg_pipe_domains(im->pipe, &cfg->domains)) != 0)
		return bg_err_set(e, rc, "out of memory");
	im->domains[0] = '\0';
	for (const char *d = bg_list_next(&cfg->domains, NULL); d;
	     d = bg_list_next(&cfg->domains, d)) {
		size_t l = strlen(im->domains);

		if (l + strlen(d) + 8 >= sizeof(im->domains)) {
			snprintf(im->domains + l, sizeof(im->domains) - l, ", ...");
			break;
		}
		snprintf(im->domains + l, sizeof(im->domains) - l, "%s%s", l ? ", " : "", d);
	}
	return 0;
}

/* Reads every file named into the pipe, and sets sha to the source's SHA-256:
 * one file's, or for several the SHA-256 of theirs.  0 or a negative errno. */
static int read_all(struct importer *im, char **paths, size_t n, unsigned char sha[BG_SHA256_LEN],
		    struct bg_err *e)
{
	unsigned char(*shas)[BG_SHA256_LEN] = calloc(n, sizeof(*shas));
	int rc = 0;

	if (!shas)
		return bg_err_set(e, -ENOMEM, "out of memory");
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = read_path(im, paths[i], shas[i], e);
	if (rc == 0 && n == 1)
		memcpy(sha, shas[0], BG_SHA256_LEN);
	else if (rc == 0)
		bg_sha256(shas, n * sizeof(*shas), sha);
	free(shas);
	return rc;
}

/* The totals over every file: of reading, and after the merge (merged) of
 * what became of the digests. */
static void totals(const struct importer *im, bool merged, struct bg_file_stats *total)
{
	memset(total, 0, sizeof(*total));
	for (size_t i = 0; i < im->nrecs; i++) {
		const struct bg_file_stats *c = &im->recs[i]->c;

		total->records += c->records;
		total->addresses += c->addresses;
		total->in_domains += c->in_domains;
		total->invalid += c->invalid;
		total->defanged += c->defanged;
		if (merged) {
			total->duplicates += c->duplicates;
			total->fresh += c->fresh;
			total->known += c->known;
		}
	}
}

/* What was read is not to be written: no valid address, or an invalid record
 * with --strict.  The report still shows what was read.  0 or a negative errno. */
static int refuse(const struct importer *im, const struct bg_advisory *a,
		  const struct bg_file_stats *total, struct bg_err *e)
{
	if (total->addresses == 0) {
		report(im->o, a, false, true, im->recs, im->nrecs, total, im->domains);
		return bg_err_set(e, -ENODATA, "no valid address found");
	}
	if (im->o->strict && total->invalid) {
		report(im->o, a, false, true, im->recs, im->nrecs, total, im->domains);
		return bg_err_set(e, -EINVAL, "%llu invalid record(s) and --strict",
				  (unsigned long long)total->invalid);
	}
	return 0;
}

/* The one line a failed import prints: "breachguard: import[ into STORE]:
 * CAUSE[; OUTCOME]" (the outcome: what became of the store). */
static void say_failed(const struct bg_err *e, const char *into, const char *outcome)
{
	char safe[BG_ERR_MSG * 4];

	/* The cause names files and members, which come from outside. */
	fprintf(stderr, "breachguard: import%s%s: %s%s%s\n", into ? " into " : "", into ? into : "",
		bg_escape(e->msg, 0, safe, sizeof(safe)), outcome ? "; " : "",
		outcome ? outcome : "");
}

int bg_cmd_import(struct bg_tool *t, int argc, char **argv)
{
	struct import_opts o;
	struct importer im;
	struct bg_ctx ctx;
	struct bg_advisory a;
	struct bg_file_stats total;
	struct store_job job;
	struct bg_err e = BG_ERR_INIT;
	const char *into = NULL, *outcome = NULL; /* for say_failed */
	size_t nargs;
	int rc = BG_EXIT_FAIL, r, bundle_fd;

	if (parse_import_opts(argc, argv, &o, &e) != 0) {
		if (bg_err_isset(&e))
			say_failed(&e, NULL, NULL);
		return bg_usage(
		    "import",
		    "[--name NAME] [--date YYYY-MM-DD] [--format "
		    "auto|text|csv|json|eml|html|ldif|vcard|xlsx|ods]\n"
		    "       [--column C] [--field F] [--domain D] [--breach B] [--grace DAYS]\n"
		    "       [--encoding NAME] [--password-file FILE] [--max-unpacked SIZE]\n"
		    "       [--max-members N] [--max-ratio N]\n"
		    "       [--dry-run] [--strict] [--json] FILE...\n"
		    "       breachguard import [--dry-run] [--json] [--again] BUNDLE");
	}
	nargs = (size_t)(argc - optind);
	/* A signed bundle (cmd_fleet.c, bundle.c) carries its own advisories. */
	if ((r = bg_bundle_sniff(argv[optind], &bundle_fd)) != 0) {
		if (r < 0)
			return BG_EXIT_FAIL;
		if (nargs != 1 || o.name || o.date >= 0 || o.grace >= 0 || o.format || o.strict) {
			close(bundle_fd);
			return bg_usage("import",
					"[--dry-run] [--json] [--again] BUNDLE (a bundle carries "
					"its own advisories, and is imported alone)");
		}
		r = bg_bundle_import(t, bundle_fd, argv[optind], o.json, o.dry_run, o.again);
		close(bundle_fd);
		return r;
	}
	if (o.again)
		return bg_usage("import", "--again BUNDLE (--again is for a signed bundle: it "
					  "brings back advisories forgotten on this host)");
	if ((r = wanted_advisory(&o, argv[optind], &a, &e)) != 0) {
		if (r > 0)
			return bg_usage("import",
					"--name NAME is required when reading standard input");
		say_failed(&e, NULL, NULL);
		return BG_EXIT_FAIL;
	}
	importer_init(&im, &o);
	bg_ctx_init(&ctx, &t->cfg, &t->log,
		    (o.dry_run ? BG_STORE_RDONLY : BG_STORE_GROW) | BG_STORE_EXIT_DAMAGED);
	outcome = "nothing written";
	if (open_all(&im, &ctx, &t->cfg, &e) != 0 ||
	    read_all(&im, argv + optind, nargs, a.source_sha256, &e) != 0)
		goto out;
	totals(&im, false, &total);
	if (refuse(&im, &a, &total, &e) != 0)
		goto out;
	job =
	    (struct store_job){.pipe = im.pipe, .dry_run = o.dry_run, .want = &a, .norm = &im.norm};
	into = t->cfg.store;
	outcome = "store unchanged";
	if ((r = store(&job, ctx.store, bg_pipe_total_digests(im.pipe))) != 0) {
		/* The pipe's own failure (reading its spool back) is the cause. */
		if (bg_err_copy(&e, bg_pipe_err(im.pipe)) == 0)
			bg_err_set(&e, r, "%s",
				   r == -ENOSPC	  ? "no space left on the device"
				   : r == -E2BIG  ? "the store's map cannot grow enough"
				   : r == -ESTALE ? "another import recorded other fold_case and "
						    "subaddress settings in the store meanwhile"
						  : strerror(-r));
		goto out;
	}
	a = job.done;
	totals(&im, true, &total);
	report(&o, &a, job.existed, false, im.recs, im.nrecs, &total, im.domains);
	rc = BG_EXIT_OK;
out:
	if (bg_err_isset(&e))
		say_failed(&e, into, outcome);
	importer_free(&im);
	bg_ctx_close(&ctx);
	return rc;
}
