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
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "cli.h"
#include "escape.h"
#include "import_pipe.h"
#include "identity.h"
#include "reader.h"
#include "verdict.h"

#define RUN_BUF 4096 /* digests buffered per run while merging */

struct file_rec {
	const char *path;
	const char *format;
	struct bg_file_stats c;
	uint64_t cross_dups;
	unsigned char sha[32];
};

struct importer {
	struct bg_pipe *pipe;
	struct file_rec *cur;
	bool progress;
	time_t last_progress;
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
	if (im->progress && (im->cur->c.records & 0xffff) == 0) {
		time_t now = time(NULL);

		if (now != im->last_progress) {
			im->last_progress = now;
			fprintf(stderr, "\r%s: %llu records read ...", im->cur->path,
				(unsigned long long)im->cur->c.records);
		}
	}
}

static int sink_address(struct bg_sink *s, const char *addr, size_t len, unsigned long line)
{
	struct importer *im = s->arg;

	return bg_pipe_add(im->pipe, addr, len, line);
}

/* Reads one file into sorted runs.  0, or negative with the error printed. */
static int read_file(struct importer *im, struct file_rec *f, const char *format,
		     const struct bg_read_opts *ro, bool last)
{
	struct bg_sink sink = {sink_address, sink_invalid, sink_record, im};
	const struct bg_reader *rd;
	struct bg_input *in = NULL;
	char err[512] = "";
	int rc;

	im->cur = f;
	bg_pipe_begin_file(im->pipe, &f->c);
	rc = bg_input_open(&in, f->path, err, sizeof(err));
	if (rc != 0)
		goto out;
	if (!format || strcmp(format, "auto") == 0)
		rd = bg_reader_detect(in, f->path, err, sizeof(err));
	else
		rd = bg_reader_by_name(format);
	if (!rd) {
		rc = -EINVAL;
		goto out;
	}
	f->format = rd->name;
	rc = rd->read(in, ro, &sink, err, sizeof(err));
	/* Drain even after a reader error: the worker must be idle before we leave. */
	{
		int r2 = bg_pipe_end_file(im->pipe, last);

		rc = rc ? rc : r2;
	}
	if (rc == 0)
		bg_input_sha256(in, f->sha);
out:
	if (im->progress && f->c.records >= 0x10000)
		fprintf(stderr, "\r\033[K");
	if (rc != 0) {
		/* The pipeline's own failure (a full spool disk) is the cause; a
		 * reader's "import stopped" only says where it noticed. */
		const char *msg = bg_pipe_error(im->pipe) ? bg_pipe_error(im->pipe)
				  : err[0]		  ? err
							  : strerror(-rc);

		/* Messages from input and readers already name the file. */
		if (strncmp(msg, f->path, strlen(f->path)) == 0)
			fprintf(stderr, "breachguard: import: %s; nothing written\n", msg);
		else
			fprintf(stderr, "breachguard: import: %s: %s; nothing written\n", f->path,
				msg);
	}
	bg_input_close(in);
	return rc;
}

struct run_reader {
	size_t run;
	uint64_t pos, len; /* digests consumed, digests in the run */
	size_t have, at;
	unsigned char buf[RUN_BUF * BG_DIGEST_LEN];
};

/* Digest order is memcmp order: two big-endian words compare the same, cheaper. */
static int cmp16(const unsigned char *a, const unsigned char *b)
{
	uint64_t x, y;

	memcpy(&x, a, 8);
	memcpy(&y, b, 8);
	if (x != y)
		return be64toh(x) < be64toh(y) ? -1 : 1;
	memcpy(&x, a + 8, 8);
	memcpy(&y, b + 8, 8);
	if (x != y)
		return be64toh(x) < be64toh(y) ? -1 : 1;
	return 0;
}

static int run_peek(const struct bg_pipe *p, struct run_reader *rr, const unsigned char **d)
{
	if (rr->at == rr->have) {
		uint64_t left = rr->len - rr->pos;
		size_t want = left < RUN_BUF ? (size_t)left : RUN_BUF;

		if (want == 0)
			return 0;
		if (bg_pipe_run_read(p, rr->run, rr->pos, rr->buf, want) != 0)
			return -EIO;
		rr->have = want;
		rr->at = 0;
	}
	*d = rr->buf + rr->at * BG_DIGEST_LEN;
	return 1;
}

static void run_next(struct run_reader *rr)
{
	rr->at++;
	rr->pos++;
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
	bool have_last = false;
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
	}
	for (;;) {
		const unsigned char *best = NULL, *d;
		size_t bi = 0;

		/* Few runs (one per 2M digests): a linear pick is cheaper than a heap here. */
		for (size_t i = 0; i < f->c.run_count; i++) {
			int p = run_peek(im->pipe, &rr[i], &d);

			if (p < 0) {
				rc = p;
				goto out;
			}
			if (p && (!best || cmp16(d, best) < 0)) {
				best = d;
				bi = i;
			}
		}
		if (!best)
			break;
		if (have_last && cmp16(best, last) == 0) {
			f->c.duplicates++;
			f->cross_dups++;
			run_next(&rr[bi]);
			continue;
		}
		memcpy(last, best, BG_DIGEST_LEN);
		have_last = true;
		run_next(&rr[bi]);
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

struct import_opts {
	const char *name;
	const char *format;
	long long date;
	long grace;
	bool dry_run, json, strict;
	struct bg_read_opts ro;
};

static void print_counts(const struct bg_file_stats *c, bool json)
{
	if (json)
		printf("\"read\": %llu, \"addresses\": %llu, \"invalid\": %llu, \"duplicates\": %llu, "
		       "\"new\": %llu, \"known\": %llu",
		       (unsigned long long)c->records, (unsigned long long)c->addresses,
		       (unsigned long long)c->invalid, (unsigned long long)c->duplicates,
		       (unsigned long long)c->fresh, (unsigned long long)c->known);
	else
		printf("%llu read, %llu addresses, %llu invalid, %llu duplicates, %llu new, %llu known",
		       (unsigned long long)c->records, (unsigned long long)c->addresses,
		       (unsigned long long)c->invalid, (unsigned long long)c->duplicates,
		       (unsigned long long)c->fresh, (unsigned long long)c->known);
}

static void report(const struct import_opts *o, const struct bg_advisory *a, bool existed,
		   struct file_rec *files, size_t nfiles, const struct bg_file_stats *total)
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
			bg_json_str(stdout, files[i].path);
			printf(", \"format\": ");
			bg_json_str(stdout, files[i].format ? files[i].format : "");
			printf(", ");
			print_counts(&files[i].c, true);
			printf(", \"invalid_lines\": [");
			for (size_t j = 0; j < files[i].c.n_shown; j++) {
				printf("%s{\"line\": %lu, \"why\": ", j ? ", " : "",
				       files[i].c.shown[j].line);
				bg_json_str(stdout, files[i].c.shown[j].why);
				printf(", \"text\": ");
				bg_json_str(stdout, files[i].c.shown[j].text);
				printf("}");
			}
			printf("]}");
		}
		printf("]}\n");
		return;
	}
	for (size_t i = 0; i < nfiles; i++) {
		printf("%s (%s): ", files[i].path, files[i].format ? files[i].format : "?");
		print_counts(&files[i].c, false);
		printf("\n");
		for (size_t j = 0; j < files[i].c.n_shown; j++)
			printf("  line %lu: %s: \"%s\"\n", files[i].c.shown[j].line,
			       files[i].c.shown[j].why,
			       bg_escape(files[i].c.shown[j].text, BG_ESC_QUOTES, safe, sizeof(safe)));
		if (files[i].c.invalid > files[i].c.n_shown)
			printf("  ... and %llu more invalid\n",
			       (unsigned long long)(files[i].c.invalid - files[i].c.n_shown));
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
		{"name", required_argument, NULL, 'n'},   {"date", required_argument, NULL, 'd'},
		{"format", required_argument, NULL, 'f'}, {"column", required_argument, NULL, 'c'},
		{"field", required_argument, NULL, 'F'},  {"domain", required_argument, NULL, 'D'},
		{"breach", required_argument, NULL, 'b'}, {"grace", required_argument, NULL, 'g'},
		{"dry-run", no_argument, NULL, 'N'},      {"json", no_argument, NULL, 'j'},
		{"strict", no_argument, NULL, 's'},       {NULL, 0, NULL, 0},
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->date = -1;
	o->grace = -1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		char *end;

		switch (c) {
		case 'n':
			o->name = optarg;
			if (!optarg[0] || strlen(optarg) >= BG_NAME_MAX) {
				fprintf(stderr, "breachguard: import: --name must be 1 to %d bytes\n",
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
				fprintf(stderr, "breachguard: import: --date \"%s\" is not YYYY-MM-DD\n",
					optarg);
				return -1;
			}
			break;
		case 'f':
			if (strcmp(optarg, "auto") != 0 && !bg_reader_by_name(optarg)) {
				fprintf(stderr,
					"breachguard: import: --format \"%s\": use auto, text, csv, json or eml\n",
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
			if (errno || *end || optarg[0] < '0' || optarg[0] > '9' || o->grace > 3650) {
				fprintf(stderr, "breachguard: import: --grace \"%s\" is not 0 to 3650 days\n",
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
		default:
			return -1;
		}
	}
	if (optind >= argc)
		return -1;
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
}

struct store_job {
	struct importer *im;
	struct file_rec *files;
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
		if ((rc = merge_file(j->im, &j->files[i], &mt)) != 0)
			return rc;
	cur.count += mt.added;
	j->done = cur;
	return bg_advisory_put(t, &cur);
}

/* Writes everything in one transaction; on a full map, grows it and redoes. */
static int store_all(struct importer *im, struct bg_ctx *ctx, struct file_rec *files,
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
	struct file_rec *files = NULL;
	struct bg_file_stats total;
	size_t nfiles;
	uint64_t digests = 0;
	bool existed = false;
	int rc = BG_EXIT_FAIL, r;

	if (parse_import_opts(argc, argv, &o) != 0)
		return bg_usage("import", "[--name NAME] [--date YYYY-MM-DD] [--format auto|text|csv|json|eml]\n"
					  "       [--column C] [--field F] [--domain D] [--breach B] [--grace DAYS]\n"
					  "       [--dry-run] [--strict] [--json] FILE...");
	nfiles = (size_t)(argc - optind);
	memset(&total, 0, sizeof(total));
	memset(&im, 0, sizeof(im));
	memset(&a, 0, sizeof(a));
	im.progress = !o.json && isatty(2);
	if (o.name)
		snprintf(a.name, sizeof(a.name), "%s", o.name);
	else if (strcmp(argv[optind], "-") == 0)
		return bg_usage("import", "--name NAME is required when reading standard input");
	else
		default_name(argv[optind], a.name, sizeof(a.name));
	if (bg_name_problem(a.name)) {
		char safe[BG_NAME_MAX * 8];

		fprintf(stderr, "breachguard: import: the advisory name \"%s\" (from the file name) %s; "
				"give one with --name\n",
			bg_escape(a.name, BG_ESC_QUOTES, safe, sizeof(safe)), bg_name_problem(a.name));
		return BG_EXIT_FAIL;
	}
	a.published = o.date;
	a.imported = (int64_t)time(NULL);
	a.grace_days = (int32_t)o.grace;

	bg_ctx_init(&ctx, &t->cfg, &t->log, o.dry_run ? BG_STORE_RDONLY : BG_STORE_GROW);
	files = calloc(nfiles, sizeof(*files));
	if (!files) {
		fprintf(stderr, "breachguard: import: out of memory\n");
		goto out;
	}
	/* Key and store first: a wrong key must stop us before any reading. */
	if (bg_ctx_open(&ctx) != 0)
		goto out;
	{
		struct bg_norm_opts norm;

		bg_norm_opts_from_config(&norm, &t->cfg);
		if (bg_pipe_new(&im.pipe, &norm, ctx.key) != 0) {
			fprintf(stderr, "breachguard: import: out of memory\n");
			goto out;
		}
	}
	for (size_t i = 0; i < nfiles; i++) {
		files[i].path = argv[optind + (int)i];
		if (read_file(&im, &files[i], o.format, &o.ro, i + 1 == nfiles) != 0)
			goto out;
		total.records += files[i].c.records;
		total.addresses += files[i].c.addresses;
		total.invalid += files[i].c.invalid;
	}
	digests = bg_pipe_total_digests(im.pipe);
	if (total.addresses == 0) {
		report(&o, &a, false, files, nfiles, &total);
		fprintf(stderr, "breachguard: import: no valid address found; nothing written\n");
		goto out;
	}
	if (o.strict && total.invalid) {
		report(&o, &a, false, files, nfiles, &total);
		fprintf(stderr, "breachguard: import: %llu invalid record(s) and --strict; nothing written\n",
			(unsigned long long)total.invalid);
		goto out;
	}
	{
		unsigned char sha[32];
		unsigned int len = 0;
		EVP_MD_CTX *md = EVP_MD_CTX_new();

		/* One file: its SHA-256; several: the SHA-256 of their SHA-256s. */
		if (nfiles == 1) {
			memcpy(a.source_sha256, files[0].sha, 32);
		} else if (md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1) {
			for (size_t i = 0; i < nfiles; i++)
				EVP_DigestUpdate(md, files[i].sha, 32);
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
				if ((r = merge_file(&im, &files[i], &mt)) != 0)
					break;
		}
		bg_txn_abort(mt.txn);
		if (r != 0 && r != -ENOENT)
			goto out;
	} else {
		r = store_all(&im, &ctx, files, nfiles, &a, digests, &existed);
		if (r != 0) {
			fprintf(stderr, "breachguard: import into %s: %s; store unchanged\n",
				t->cfg.store,
				r == -ENOSPC ? "no space left on the device"
				: r == -E2BIG ? "the store's map cannot grow enough"
					      : strerror(-r));
			goto out;
		}
	}
	total.duplicates = total.fresh = total.known = 0;
	for (size_t i = 0; i < nfiles; i++) {
		total.duplicates += files[i].c.duplicates;
		total.fresh += files[i].c.fresh;
		total.known += files[i].c.known;
	}
	report(&o, &a, existed, files, nfiles, &total);
	rc = BG_EXIT_OK;
out:
	bg_pipe_free(im.pipe);
	free(files);
	bg_ctx_close(&ctx);
	return rc;
}
