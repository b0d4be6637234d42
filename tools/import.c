/* import.c: the import pipeline.  Readers hand candidate addresses to this sink;
 * it normalises, digests, and collects them into sorted runs spooled to an
 * unlinked temporary file (memory stays bounded whatever the input's size).
 * Only when every file has been read without a fatal error does one write
 * transaction merge the runs into the store: an interrupted or failed import
 * leaves the store as it was, and a full map is grown and the merge redone. */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "cli.h"
#include "encoding.h"
#include "escape.h"
#include "import_pipe.h"
#include "identity.h"
#include "reader.h"
#include "unpack.h"
#include "verdict.h"
#include "workbook.h"

#define RUN_BUF 4096 /* digests buffered per run while merging */

#define SHEETS_NAMED 64 /* sheet names kept for the report; later ones by number */

struct file_rec {
	const char *path; /* the display name: "FILE" or "ARCHIVE:MEMBER" */
	const char *format;
	char encoding[BG_ENC_NAME_MAX];
	char compression[16];
	unsigned long bad_lines, first_bad;
	uint64_t repeats; /* a candidate the same as the one before it, valid */
	char sheet[SHEETS_NAMED][64];
	struct bg_file_stats c;
	uint64_t cross_dups;
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
	struct bg_read_opts ro;
};

struct importer {
	struct bg_pipe *pipe;
	struct file_rec *cur;
	const struct import_opts *o;
	struct bg_unpack unpack;
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

static int sink_address(struct bg_sink *s, const char *addr, size_t len, unsigned long line)
{
	struct importer *im = s->arg;

	if (im->last_state != 0 && len == im->last_len && memcmp(addr, im->last, len) == 0) {
		/* The same text gives the same verdict: a duplicate if valid, the same
		 * invalid reason (with this line) if not. */
		if (im->last_state == -1) {
			char out[BG_ID_MAX];
			int n = bg_normalise(addr, len, &im->norm, out, sizeof(out));

			im->last_state = n >= 0 ? 1 : -2 + n;
		}
		if (im->last_state == 1) {
			im->cur->repeats++;
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

	im->progress_shown = true;
	if (total)
		fprintf(stderr, "\r\033[K%s: %llu of %llu MiB read (%llu%%) ...", name, done >> 20,
			total >> 20, done * 100 / total);
	else
		fprintf(stderr, "\r\033[K%s: %llu MiB read ...", name, done >> 20);
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
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->path = f->name;
	im->last_state = 0;
	im->recs[im->nrecs++] = f;
	im->cur = f;
	bg_pipe_begin_file(im->pipe, &f->c);
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
	im->cur->repeats = 0;
	im->last_state = 0;
	if (bg_pipe_error(im->pipe) && (rc || r2)) {
		bg_err_clear(err);
		bg_err_set(err, rc ? rc : r2, "%s", bg_pipe_error(im->pipe));
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
	struct bg_sink sink = {.address = sink_address,
			       .invalid = sink_invalid,
			       .record = sink_record,
			       .arg = im,
			       .defanged = sink_defanged,
			       .sheet = sink_sheet};
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
	bg_reader_ctx_init(&rctx, in, NULL, &im->o->ro, &sink);
	rc = rd->read(&rctx);
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
	struct bg_sink sink = {.address = sink_address,
			       .invalid = sink_invalid,
			       .record = sink_record,
			       .arg = im,
			       .defanged = sink_defanged,
			       .sheet = sink_sheet};
	struct file_rec *f = new_rec(im, name);
	struct bg_reader_ctx rctx;
	int rc;

	if (!f)
		return bg_err_set(err, -ENOMEM, "%s: out of memory", name);
	f->format = kind == BG_WORKBOOK_ODS ? "ods" : "xlsx";
	if (lseek(fd, 0, SEEK_SET) != 0)
		return end_rec(im, bg_err_errno(err, -errno, name), err);
	bg_reader_ctx_init(&rctx, NULL, name, &im->o->ro, &sink);
	rc = bg_workbook_read(&rctx, fd);
	rc = end_rec(im, rc, &rctx.err);
	bg_err_copy(err, &rctx.err);
	return rc;
}

/* Reads one file named on the command line (an archive: each member) into
 * sorted runs.  0, or negative with the error printed. */
static int read_path(struct importer *im, const char *path, unsigned char sha[32])
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
			fprintf(stderr, "breachguard: import: %s; nothing written\n", msg);
		else
			fprintf(stderr, "breachguard: import: %s: %s; nothing written\n", path,
				msg);
	}
	bg_input_close(in);
	return rc;
}

struct run_reader {
	size_t run;
	uint64_t pos, len; /* digests consumed, digests in the run */
	size_t have, at;
	bool live;	 /* head holds the run's next digest */
	uint64_t hi, lo; /* that digest as two host-order words */
	unsigned char buf[RUN_BUF * BG_DIGEST_LEN];
};

/* Loads the run's next digest into hi/lo (memcmp order becomes integer order:
 * the merge compares two words per run and calls nothing).  0 or -EIO. */
static int run_load(const struct bg_pipe *p, struct run_reader *rr)
{
	uint64_t x, y;

	if (rr->at == rr->have) {
		uint64_t left = rr->len - rr->pos;
		size_t want = left < RUN_BUF ? (size_t)left : RUN_BUF;

		rr->live = false;
		if (want == 0)
			return 0;
		if (bg_pipe_run_read(p, rr->run, rr->pos, rr->buf, want) != 0)
			return -EIO;
		rr->have = want;
		rr->at = 0;
	}
	memcpy(&x, rr->buf + rr->at * BG_DIGEST_LEN, 8);
	memcpy(&y, rr->buf + rr->at * BG_DIGEST_LEN + 8, 8);
	rr->hi = be64toh(x);
	rr->lo = be64toh(y);
	rr->live = true;
	return 0;
}

struct merge_target {
	struct bg_txn *txn; /* a write txn, or a read txn for --dry-run */
	bool dry_run;
	uint32_t id;
	uint64_t added; /* pairs added to the advisory */
};

/* Merges one file's runs in digest order into the store (or counts for dry run). */
static int merge_file(struct importer *im, struct file_rec *f, struct merge_target *mt)
{
	struct run_reader *rr;
	unsigned char last[BG_DIGEST_LEN];
	uint64_t last_hi = 0, last_lo = 0;
	bool have_last = false, fresh_digest = false;
	int rc = 0;

	/* A redo after a full map counts again from zero; repeats across runs are
	 * counted here once (cross_dups), those inside a run were counted at sort. */
	f->c.fresh = f->c.known = 0;
	f->c.duplicates -= f->cross_dups;
	f->cross_dups = 0;
	if (f->c.run_count == 0)
		return 0;
	rr = calloc(f->c.run_count, sizeof(*rr));
	if (!rr)
		return -ENOMEM;
	for (size_t i = 0; i < f->c.run_count; i++) {
		rr[i].run = f->c.run_first + i;
		rr[i].len = bg_pipe_run_len(im->pipe, rr[i].run);
		if ((rc = run_load(im->pipe, &rr[i])) != 0)
			goto out;
	}
	for (;;) {
		size_t bi = SIZE_MAX;
		struct run_reader *b;

		/* Few runs (one per 1M digests and worker): a linear pick over their
		 * cached heads is cheaper than a heap here. */
		for (size_t i = 0; i < f->c.run_count; i++)
			if (rr[i].live && (bi == SIZE_MAX || rr[i].hi < rr[bi].hi ||
					   (rr[i].hi == rr[bi].hi && rr[i].lo < rr[bi].lo)))
				bi = i;
		if (bi == SIZE_MAX)
			break;
		b = &rr[bi];
		if (have_last && b->hi == last_hi && b->lo == last_lo) {
			f->c.duplicates++;
			f->cross_dups++;
		} else {
			memcpy(last, b->buf + b->at * BG_DIGEST_LEN, BG_DIGEST_LEN);
			last_hi = b->hi;
			last_lo = b->lo;
			have_last = true;
			fresh_digest = true;
		}
		b->at++;
		b->pos++;
		if ((rc = run_load(im->pipe, b)) != 0)
			goto out;
		if (!fresh_digest)
			continue;
		fresh_digest = false;
		if (mt->dry_run) {
			uint32_t ids[1];
			size_t n;

			rc = bg_exposure_ids(mt->txn, last, ids, 1, &n);
			if (rc == -ENOENT)
				f->c.fresh++;
			else if (rc == 0)
				f->c.known++;
			else
				goto out;
			rc = 0;
			continue;
		}
		rc = bg_exposure_add(mt->txn, last, mt->id);
		if (rc < 0)
			goto out;
		if (rc == BG_EXP_NEW_IDENTITY)
			f->c.fresh++;
		else
			f->c.known++;
		if (rc != BG_EXP_KNOWN_PAIR)
			mt->added++;
		rc = 0;
	}
out:
	free(rr);
	return rc;
}

static void print_counts(const struct bg_file_stats *c, bool json)
{
	if (json)
		printf(
		    "\"read\": %llu, \"addresses\": %llu, \"invalid\": %llu, \"duplicates\": %llu, "
		    "\"new\": %llu, \"known\": %llu, \"defanged\": %llu",
		    (unsigned long long)c->records, (unsigned long long)c->addresses,
		    (unsigned long long)c->invalid, (unsigned long long)c->duplicates,
		    (unsigned long long)c->fresh, (unsigned long long)c->known,
		    (unsigned long long)c->defanged);
	else {
		printf("%llu read, %llu addresses, %llu invalid, %llu duplicates, %llu new, %llu "
		       "known",
		       (unsigned long long)c->records, (unsigned long long)c->addresses,
		       (unsigned long long)c->invalid, (unsigned long long)c->duplicates,
		       (unsigned long long)c->fresh, (unsigned long long)c->known);
		if (c->defanged)
			printf(", %llu defanged", (unsigned long long)c->defanged);
	}
}

static void report(const struct import_opts *o, const struct bg_advisory *a, bool existed,
		   struct file_rec **files, size_t nfiles, const struct bg_file_stats *total)
{
	char day[16], safe[BG_ID_MAX * 8];

	bg_day(a->published, day, sizeof(day));
	if (o->json) {
		printf("{\"advisory\": ");
		bg_json_advisory_head(stdout, a->id, a->name, a->published);
		printf(", \"existed\": %s}, \"dry_run\": %s, ", existed ? "true" : "false",
		       o->dry_run ? "true" : "false");
		print_counts(total, true);
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
			print_counts(&files[i]->c, true);
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
		printf("%s (%s%s%s%s%s): ", files[i]->path,
		       files[i]->format ? files[i]->format : "?", files[i]->encoding[0] ? ", " : "",
		       files[i]->encoding, files[i]->compression[0] ? ", " : "",
		       files[i]->compression);
		print_counts(&files[i]->c, false);
		printf("\n");
		if (files[i]->bad_lines)
			printf(
			    "  %lu line(s) with bytes that are not valid %s, the first at line %lu "
			    "(counted invalid; give --encoding if the encoding is wrong)\n",
			    files[i]->bad_lines, files[i]->encoding, files[i]->first_bad);
		for (size_t j = 0; j < files[i]->c.n_shown; j++) {
			char at[128];

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
		print_counts(total, false);
		printf("\n");
	}
	bg_escape(a->name, BG_ESC_QUOTES, safe, sizeof(safe));
	if (o->dry_run)
		printf("dry run: nothing written (advisory \"%s\" %s)\n", safe,
		       existed ? "exists" : "would be new");
	else
		printf("advisory %u \"%s\"%s%s: %llu identities in all\n", a->id, safe,
		       day[0] ? " published " : "", day, (unsigned long long)a->count);
}

static int parse_import_opts(int argc, char **argv, struct import_opts *o)
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
	    /* the input layer */
	    {"encoding", required_argument, NULL, 'E'},
	    {"password-file", required_argument, NULL, 'P'},
	    {"max-unpacked", required_argument, NULL, 'U'},
	    {"max-members", required_argument, NULL, 'M'},
	    {"max-ratio", required_argument, NULL, 'R'},
	    {NULL, 0, NULL, 0},
	};
	int c;

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
				fprintf(stderr,
					"breachguard: import: --name must be 1 to %d bytes\n",
					BG_NAME_MAX - 1);
				return -1;
			}
			/* Names reach terminals and syslog: no control or bidi characters. */
			if (bg_name_problem(optarg)) {
				fprintf(stderr, "breachguard: import: --name %s; refused\n",
					bg_name_problem(optarg));
				return -1;
			}
			break;
		case 'd':
			if (bg_parse_day(optarg, &o->date) != 0) {
				fprintf(stderr,
					"breachguard: import: --date \"%s\" is not YYYY-MM-DD\n",
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
				fprintf(stderr,
					"breachguard: import: --format \"%s\": use auto, text, "
					"csv, json, eml, "
					"xlsx, ods or workbook\n",
					optarg);
				return -1;
			}
			o->format = optarg;
			break;
		case 'c':
			o->ro.column = optarg;
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
			    o->grace > 3650) {
				fprintf(
				    stderr,
				    "breachguard: import: --grace \"%s\" is not 0 to 3650 days\n",
				    optarg);
				return -1;
			}
			break;
		case 'N':
			o->dry_run = true;
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
				fprintf(stderr,
					"breachguard: import: --encoding \"%s\": iconv does not "
					"know it "
					"(e.g. CP932, EUC-JP, ISO-2022-JP, WINDOWS-1252, GB18030, "
					"BIG5, "
					"CP949, UTF-8; `iconv -l` lists them)\n",
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
				fprintf(
				    stderr,
				    "breachguard: import: --%s \"%s\" is not a positive number%s\n",
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
			fprintf(stderr,
				"breachguard: import: --field is for JSON input, not --format %s "
				"(use --column for CSV)\n",
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

struct store_job {
	struct importer *im;
	struct file_rec **files;
	size_t nfiles;
	struct bg_advisory *want; /* in: the advisory; out: as stored */
	struct bg_advisory done;
	bool existed;
};

/* The whole import as one transaction (run again from scratch after a full map). */
static int store_job(struct bg_txn *t, void *arg)
{
	struct store_job *j = arg;
	struct merge_target mt = {t, false, 0, 0};
	struct bg_advisory cur;
	int rc;

	rc = bg_advisory_find(t, j->want->name, &cur);
	j->existed = rc == 0;
	if (rc == 0) {
		/* Same name: same advisory.  Its exposure time never moves. */
		cur.published = j->want->published >= 0 ? j->want->published : cur.published;
		cur.grace_days = j->want->grace_days >= 0 ? j->want->grace_days : cur.grace_days;
		memcpy(cur.source_sha256, j->want->source_sha256, 32);
	} else if (rc == -ENOENT) {
		cur = *j->want;
		cur.id = 0;
		cur.count = 0;
	} else {
		return rc;
	}
	if ((rc = bg_advisory_put(t, &cur)) != 0)
		return rc;
	mt.id = cur.id;
	for (size_t i = 0; i < j->nfiles; i++)
		if ((rc = merge_file(j->im, j->files[i], &mt)) != 0)
			return rc;
	cur.count += mt.added;
	j->done = cur;
	return bg_advisory_put(t, &cur);
}

/* Writes everything in one transaction; on a full map, grows it and redoes. */
static int store_all(struct importer *im, struct bg_ctx *ctx, struct file_rec **files,
		     size_t nfiles, struct bg_advisory *a, uint64_t digests, bool *existed)
{
	struct store_job j = {im, files, nfiles, a, {0}, false};
	struct bg_store_stats ss;
	uint64_t want;
	int rc;

	/* New pages for the new pairs, plus copies of the pages the writes touch (at
	 * most four per digest, at most the whole store).  A low guess costs one
	 * redo (the map doubles); a high one only reserves disk. */
	if ((rc = bg_store_stats(ctx->store, &ss)) != 0)
		return rc;
	want = digests * 64 + (digests * 16384 < ss.used_bytes ? digests * 16384 : ss.used_bytes) +
	       (256u << 10);
	rc = bg_store_write(ctx->store, want, store_job, &j);
	if (rc == 0) {
		*a = j.done;
		*existed = j.existed;
	}
	return rc;
}

int bg_cmd_import(struct bg_tool *t, int argc, char **argv)
{
	struct import_opts o;
	struct importer im;
	struct bg_ctx ctx;
	struct bg_advisory a;
	unsigned char(*shas)[32] = NULL;
	struct bg_file_stats total;
	size_t nargs, nfiles = 0;
	uint64_t digests = 0;
	bool existed = false;
	int rc = BG_EXIT_FAIL, r, bundle_fd;

	if (parse_import_opts(argc, argv, &o) != 0)
		return bg_usage(
		    "import",
		    "[--name NAME] [--date YYYY-MM-DD] [--format auto|text|csv|json|eml|xlsx|ods]\n"
		    "       [--column C] [--field F] [--domain D] [--breach B] [--grace DAYS]\n"
		    "       [--encoding NAME] [--password-file FILE] [--max-unpacked SIZE]\n"
		    "       [--max-members N] [--max-ratio N]\n"
		    "       [--dry-run] [--strict] [--json] FILE...");
	nargs = (size_t)(argc - optind);
	/* A signed bundle (cmd_fleet.c, bundle.c) carries its own advisories. */
	if ((r = bg_bundle_sniff(argv[optind], &bundle_fd)) != 0) {
		if (r < 0)
			return BG_EXIT_FAIL;
		if (nargs != 1 || o.name || o.date >= 0 || o.grace >= 0 || o.format || o.strict) {
			close(bundle_fd);
			return bg_usage("import",
					"[--dry-run] [--json] BUNDLE (a bundle carries its "
					"own advisories, and is imported alone)");
		}
		r = bg_bundle_import(t, bundle_fd, argv[optind], o.json, o.dry_run);
		close(bundle_fd);
		return r;
	}
	memset(&total, 0, sizeof(total));
	memset(&im, 0, sizeof(im));
	memset(&a, 0, sizeof(a));
	im.o = &o;
	im.progress = isatty(2);
	bg_unpack_init(&im.unpack);
	im.unpack.max_bytes = o.max_unpacked;
	im.unpack.max_members = o.max_members;
	im.unpack.max_ratio = o.max_ratio;
	im.unpack.member = read_leaf;
	im.unpack.workbook = read_book;
	im.unpack.skipped = skip_member;
	im.unpack.arg = &im;
	o.ro.unpack = &im.unpack; /* e-mail attachments unpack with the same limits */
	o.ro.encoding = o.encoding;
	if (o.name)
		snprintf(a.name, sizeof(a.name), "%s", o.name);
	else if (strcmp(argv[optind], "-") == 0)
		return bg_usage("import", "--name NAME is required when reading standard input");
	else
		default_name(argv[optind], a.name, sizeof(a.name));
	if (bg_name_problem(a.name)) {
		char safe[BG_NAME_MAX * 8];

		fprintf(stderr,
			"breachguard: import: the advisory name \"%s\" (from the file name) %s; "
			"give one with --name\n",
			bg_escape(a.name, BG_ESC_QUOTES, safe, sizeof(safe)),
			bg_name_problem(a.name));
		return BG_EXIT_FAIL;
	}
	a.published = o.date;
	a.imported = (int64_t)time(NULL);
	a.grace_days = (int32_t)o.grace;

	bg_ctx_init(&ctx, &t->cfg, &t->log, o.dry_run ? BG_STORE_RDONLY : BG_STORE_GROW);
	shas = calloc(nargs, sizeof(*shas));
	if (!shas) {
		fprintf(stderr, "breachguard: import: out of memory\n");
		goto out;
	}
	if (o.password_file) {
		struct bg_err err = BG_ERR_INIT;

		if (bg_unpack_passwords(&im.unpack, o.password_file, &err) != 0) {
			fprintf(stderr, "breachguard: import: %s; nothing written\n", err.msg);
			goto out;
		}
	}
	/* Key and store first: a wrong key must stop us before any reading. */
	if (bg_ctx_open(&ctx) != 0)
		goto out;
	{
		struct bg_norm_opts norm;

		bg_norm_opts_from_config(&norm, &t->cfg);
		im.norm = norm;
		if (bg_pipe_new(&im.pipe, &norm, ctx.key) != 0) {
			fprintf(stderr, "breachguard: import: out of memory\n");
			goto out;
		}
	}
	for (size_t i = 0; i < nargs; i++) {
		if (read_path(&im, argv[optind + (int)i], shas[i]) != 0)
			goto out;
	}
	nfiles = im.nrecs;
	for (size_t i = 0; i < nfiles; i++) {
		total.records += im.recs[i]->c.records;
		total.addresses += im.recs[i]->c.addresses;
		total.invalid += im.recs[i]->c.invalid;
		total.defanged += im.recs[i]->c.defanged;
	}
	digests = bg_pipe_total_digests(im.pipe);
	if (total.addresses == 0) {
		report(&o, &a, false, im.recs, nfiles, &total);
		fprintf(stderr, "breachguard: import: no valid address found; nothing written\n");
		goto out;
	}
	if (o.strict && total.invalid) {
		report(&o, &a, false, im.recs, nfiles, &total);
		fprintf(
		    stderr,
		    "breachguard: import: %llu invalid record(s) and --strict; nothing written\n",
		    (unsigned long long)total.invalid);
		goto out;
	}
	{
		unsigned char sha[32];
		unsigned int len = 0;
		EVP_MD_CTX *md = EVP_MD_CTX_new();

		/* One file: its SHA-256; several: the SHA-256 of their SHA-256s. */
		if (nargs == 1) {
			memcpy(a.source_sha256, shas[0], 32);
		} else if (md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1) {
			for (size_t i = 0; i < nargs; i++)
				EVP_DigestUpdate(md, shas[i], 32);
			if (EVP_DigestFinal_ex(md, sha, &len) == 1)
				memcpy(a.source_sha256, sha, 32);
		}
		EVP_MD_CTX_free(md);
	}
	if (o.dry_run) {
		struct merge_target mt = {NULL, true, 0, 0};

		if (bg_txn_begin(ctx.store, false, &mt.txn) != 0)
			goto out;
		r = bg_advisory_find(mt.txn, a.name, &a);
		existed = r == 0;
		if (r == 0 || r == -ENOENT) {
			if (!existed)
				a.id = 0;
			for (size_t i = 0; i < nfiles && r != -EIO; i++)
				if ((r = merge_file(&im, im.recs[i], &mt)) != 0)
					break;
		}
		bg_txn_abort(mt.txn);
		if (r != 0 && r != -ENOENT)
			goto out;
	} else {
		r = store_all(&im, &ctx, im.recs, nfiles, &a, digests, &existed);
		if (r != 0) {
			fprintf(stderr, "breachguard: import into %s: %s; store unchanged\n",
				t->cfg.store,
				r == -ENOSPC  ? "no space left on the device"
				: r == -E2BIG ? "the store's map cannot grow enough"
					      : strerror(-r));
			goto out;
		}
	}
	total.duplicates = total.fresh = total.known = 0;
	for (size_t i = 0; i < nfiles; i++) {
		total.duplicates += im.recs[i]->c.duplicates;
		total.fresh += im.recs[i]->c.fresh;
		total.known += im.recs[i]->c.known;
	}
	report(&o, &a, existed, im.recs, nfiles, &total);
	rc = BG_EXIT_OK;
out:
	bg_pipe_free(im.pipe);
	for (size_t i = 0; i < im.nrecs; i++)
		free(im.recs[i]);
	free(im.recs);
	free(shas);
	bg_unpack_free(&im.unpack);
	bg_ctx_close(&ctx);
	return rc;
}
