/* cmd_fleet.c: keygen, export and the import of a signed bundle (the fleet
 * path; the format and its checks are in bundle.c). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle.h"
#include "cli.h"
#include "safeopen.h"
#include "unpack.h" /* bg_spool_open */
#include "session.h"

int bg_cmd_keygen(struct bg_tool *t, int argc, char **argv)
{
	char err[BG_PATH_MAX + 256], id[17];

	(void)t;
	if (argc != 2 || argv[1][0] == '-' || !argv[1][0])
		return bg_usage("keygen", "FILE (writes FILE, mode 0600, and FILE.pub)");
	if (bg_keygen(argv[1], id, err, sizeof(err)) != 0) {
		fprintf(stderr, "breachguard: keygen: %s\n", err);
		return BG_EXIT_FAIL;
	}
	printf("signing key: %s (Ed25519, mode 0600; keep it on the management host)\n"
	       "public key:  %s.pub (list it in trusted_keys on every host)\n"
	       "key id:      %s\n",
	       argv[1], argv[1], id);
	return BG_EXIT_OK;
}

static void print_bundle_advisories(const struct bg_bundle_info *in,
				    const struct bg_bundle_result *res)
{
	char imported[32];

	printf("\"advisories\": [");
	for (unsigned i = 0; i < in->n_adv; i++) {
		const struct bg_bundle_adv *a = &in->adv[i];

		fputs(i ? ", " : "", stdout);
		bg_json_advisory_head(stdout, res ? res->id[i] : 0, a->name, a->published);
		bg_iso_time(a->imported, imported, sizeof(imported));
		printf(", \"imported\": \"%s\", \"grace_days\": ", imported);
		if (a->grace_days >= 0)
			printf("%d", a->grace_days);
		else
			fputs("null", stdout);
		printf(", \"identities\": %llu", (unsigned long long)a->count);
		if (res)
			printf(", \"existed\": %s", res->existed[i] ? "true" : "false");
		if (res && res->forgotten[i]) {
			bg_iso_time(res->forgotten[i], imported, sizeof(imported));
			printf(", \"forgotten\": \"%s\"", imported);
		} else if (res) {
			fputs(", \"forgotten\": null", stdout);
		}
		putchar('}');
	}
	putchar(']');
}

/* The site key id and the settings this host makes digests under: the
 * config's, once checked against those the store recorded. */
static int this_site(struct bg_ctx *ctx, struct bg_bundle_site *site)
{
	int rc;

	if ((rc = bg_ctx_open(ctx)) != 0 || (rc = bg_key_id(ctx->key, site->kid, ctx->log)) != 0 ||
	    (rc = bg_ctx_norm_check(ctx)) != 0)
		return rc;
	bg_norm_opts_from_config(&site->norm, ctx->cfg);
	return 0;
}

int bg_cmd_export(struct bg_tool *t, int argc, char **argv)
{
	static const struct option opts[] = {{"sign", required_argument, NULL, 's'},
					     {"out", required_argument, NULL, 'o'},
					     {"json", no_argument, NULL, 'j'},
					     {NULL, 0, NULL, 0}};
	static const char synopsis[] = "--sign KEY --out BUNDLE [--json] ADVISORY...";
	uint32_t ids[BG_BUNDLE_MAX_ADV];
	const char *key = NULL, *out = NULL;
	struct bg_bundle_info *info = NULL;
	struct bg_bundle_site site;
	char err[BG_PATH_MAX + 512], signer[17];
	struct bg_txn *txn = NULL;
	struct stat old;
	struct bg_ctx ctx;
	bool json = false;
	size_t n = 0;
	int c, rc = BG_EXIT_FAIL;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 's')
			key = optarg;
		else if (c == 'o')
			out = optarg;
		else if (c == 'j')
			json = true;
		else
			return bg_usage("export", synopsis);
	}
	if (!key || !out || optind >= argc)
		return bg_usage("export", synopsis);
	if (bg_out_path_ok("export", out) != 0)
		return BG_EXIT_FAIL;
	if (argc - optind > BG_BUNDLE_MAX_ADV) {
		fprintf(stderr, "breachguard: export: at most %d advisories in one bundle\n",
			BG_BUNDLE_MAX_ADV);
		return BG_EXIT_USAGE;
	}
	bg_ctx_init(&ctx, &t->cfg, &t->log, BG_STORE_RDONLY | BG_STORE_EXIT_DAMAGED);
	if (this_site(&ctx, &site) != 0)
		goto out;
	if (bg_txn_begin(ctx.store, false, &txn) != 0)
		goto out;
	for (int i = optind; i < argc; i++) {
		struct bg_advisory a;
		int r = bg_advisory_by_ref(txn, argv[i], &a);

		if (r != 0) {
			fprintf(stderr, "breachguard: export: advisory \"%s\": %s\n", argv[i],
				r == -ENOENT	 ? "not in the store"
				: r == -ENOTUNIQ ? BG_REF_AMBIGUOUS
						 : strerror(-r));
			goto out;
		}
		for (size_t k = 0; k < n; k++) {
			if (ids[k] == a.id) {
				fprintf(stderr,
					"breachguard: export: advisory \"%s\" named twice\n",
					a.name);
				goto out;
			}
		}
		ids[n++] = a.id;
	}
	if (!(info = malloc(sizeof(*info)))) {
		fprintf(stderr, "breachguard: export: out of memory\n");
		goto out;
	}
	/* Checked again here: the path may have changed while the store was opened. */
	if (bg_out_path_stat("export", out, &old) != 0)
		goto out;
	if (bg_bundle_export(txn, ids, n, key, &site, out, &old, info, err, sizeof(err)) != 0) {
		fprintf(stderr, "breachguard: export: %s; no bundle written%s%s\n", err,
			old.st_mode ? ", " : "", old.st_mode ? "the old one is as it was" : "");
		goto out;
	}
	bg_signer_id(info->signer, signer);
	if (json) {
		printf("{\"bundle\": ");
		bg_json_str(stdout, out);
		printf(", \"signer\": \"%s\", \"identities\": %llu, ", signer,
		       (unsigned long long)info->digests);
		print_bundle_advisories(info, NULL);
		printf("}\n");
	} else {
		printf("%s: %u advisor%s, %llu identities, signed by key %s\n", out, info->n_adv,
		       info->n_adv == 1 ? "y" : "ies", (unsigned long long)info->digests, signer);
	}
	rc = BG_EXIT_OK;
out:
	free(info);
	bg_txn_abort(txn);
	bg_ctx_close(&ctx);
	return rc;
}

/* --- import BUNDLE ----------------------------------------------------------- */

struct pump {
	int from, to;
	unsigned char head[BG_BUNDLE_MAGIC_LEN];
	size_t n;
};

static void *pump_run(void *arg)
{
	struct pump *p = arg;
	char buf[65536];
	ssize_t n;

	if (bg_write_full(p->to, p->head, p->n) == 0) {
		while ((n = read(p->from, buf, sizeof(buf))) != 0) {
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 || bg_write_full(p->to, buf, (size_t)n) != 0)
				break;
		}
	}
	close(p->to);
	close(p->from);
	free(p);
	return NULL;
}

/* The bytes read from a pipe on stdin to look for the magic go back in front
 * of the rest, through a pipe of our own, for the ordinary import. */
static int push_back_stdin(const unsigned char *head, size_t n)
{
	struct pump *p = calloc(1, sizeof(*p));
	pthread_t th;
	int fds[2];

	if (!p)
		return -ENOMEM;
	if (pipe2(fds, O_CLOEXEC) != 0) {
		free(p);
		return -errno;
	}
	p->from = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
	p->to = fds[1];
	memcpy(p->head, head, n);
	p->n = n;
	if (p->from < 0 || dup2(fds[0], STDIN_FILENO) < 0 ||
	    pthread_create(&th, NULL, pump_run, p) != 0) {
		int e = errno ? errno : EIO;

		if (p->from >= 0)
			close(p->from);
		close(fds[0]);
		close(fds[1]);
		free(p);
		return -e;
	}
	close(fds[0]);
	pthread_detach(th);
	return 0;
}

/* A spool for a bundle on stdin (fd: past the magic, which sniff read): an
 * unlinked file in TMPDIR, so that it can be read twice (verify, then apply).
 * The header is read and checked first: a bundle this host would refuse (its
 * version, signer, site key or settings) is refused before anything is
 * spooled, whatever follows it. */
static int spool_stdin(int fd, const struct bg_bundle_site *site, const struct bg_trust *tr,
		       struct bg_bundle_info *info)
{
	unsigned char head[BG_BUNDLE_HDR_LEN];
	char buf[65536], err[BG_PATH_MAX + 512];
	const char *dir = "/tmp";
	ssize_t got;
	int out, e;

	memcpy(head, BG_BUNDLE_MAGIC, BG_BUNDLE_MAGIC_LEN);
	got = bg_read_full(fd, head + BG_BUNDLE_MAGIC_LEN, sizeof(head) - BG_BUNDLE_MAGIC_LEN);
	if (got < 0) {
		fprintf(stderr, "breachguard: import: stdin: %s; nothing written\n",
			strerror((int)-got));
		return -1;
	}
	if (bg_bundle_header(head, BG_BUNDLE_MAGIC_LEN + (size_t)got, "stdin", site, tr, info, err,
			     sizeof(err)) != 0) {
		fprintf(stderr, "breachguard: import: %s; nothing written\n", err);
		return -1;
	}
	if ((out = bg_spool_open_in(&dir)) < 0) {
		fprintf(stderr,
			"breachguard: import: stdin: no temporary file for the bundle in $TMPDIR, "
			"/var/tmp or /tmp (last tried %s: %s); nothing written\n",
			dir, strerror(-out));
		return -1;
	}
	e = bg_write_full(out, head, sizeof(head));
	while (e == 0 && (got = read(fd, buf, sizeof(buf))) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			fprintf(stderr, "breachguard: import: stdin: %s; nothing written\n",
				strerror(errno));
			close(out);
			return -1;
		}
		e = bg_write_full(out, buf, (size_t)got);
	}
	if (e != 0) {
		/* A full TMPDIR is the common case: say which directory, and the way out. */
		fprintf(
		    stderr,
		    "breachguard: import: stdin: spooling the bundle to a temporary file in %s: "
		    "%s; nothing written%s\n",
		    dir, strerror(-e),
		    e == -ENOSPC || e == -EDQUOT
			? " (set TMPDIR to a directory with room for it, or import it from a file)"
			: "");
		close(out);
		return -1;
	}
	return out;
}

/* A regular file on stdin (import - < bundle) whose bundle starts at the
 * file's start, where sniff found the magic: read in place, twice, as a
 * named file is, with no spool and so no room needed in TMPDIR.  Verify and
 * apply read from offset 0, so a bundle further into the file (stdin already
 * read from) is spooled as a pipe's is. */
static bool stdin_in_place(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	       lseek(fd, 0, SEEK_CUR) == (off_t)BG_BUNDLE_MAGIC_LEN;
}

int bg_bundle_sniff(const char *path, int *fd_out)
{
	unsigned char head[BG_BUNDLE_MAGIC_LEN];
	size_t n = 0;
	int fd;

	*fd_out = -1;
	if (strcmp(path, "-") != 0) {
		struct stat st;
		ssize_t got;
		int fl;

		/* Opened as the import's input layer opens a path (a fifo must not
		 * block the open); what is wrong with it is the import's to say. */
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
		if (fd < 0)
			return 0;
		if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (fl = fcntl(fd, F_GETFL)) < 0 ||
		    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
			close(fd);
			return 0;
		}
		got = bg_read_full(fd, head, sizeof(head));
		if (got > 0 && bg_bundle_magic(head, (size_t)got)) {
			*fd_out = fd;
			return 1;
		}
		close(fd);
		return 0;
	}
	{
		struct stat st;
		ssize_t got;

		/* A terminal or a device never carries a bundle: left to the import,
		 * which says what it thinks of them. */
		if (fstat(STDIN_FILENO, &st) != 0 ||
		    !(S_ISREG(st.st_mode) || S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
			return 0;
		if (S_ISREG(st.st_mode)) {
			/* A file: a look, nothing consumed unless it is a bundle. */
			off_t at = lseek(STDIN_FILENO, 0, SEEK_CUR);

			got = at < 0 ? -1 : pread(STDIN_FILENO, head, sizeof(head), at);
			if (got != (ssize_t)sizeof(head) || !bg_bundle_magic(head, sizeof(head)) ||
			    lseek(STDIN_FILENO, at + (off_t)sizeof(head), SEEK_SET) < 0)
				return 0;
		} else {
			while (n < sizeof(head)) {
				got = read(STDIN_FILENO, head + n, sizeof(head) - n);
				if (got < 0 && errno == EINTR)
					continue;
				if (got <= 0)
					break;
				n += (size_t)got;
				if (memcmp(head, BG_BUNDLE_MAGIC, n) != 0)
					break; /* not a bundle: clear as soon as a byte differs */
			}
			if (!bg_bundle_magic(head, n)) {
				if (n && push_back_stdin(head, n) != 0) {
					fprintf(stderr, "breachguard: import: stdin: %s\n",
						strerror(errno));
					return -1;
				}
				return 0;
			}
		}
	}
	/* Past the magic: bg_bundle_import checks the header, then spools the rest. */
	fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
	if (fd < 0) {
		fprintf(stderr, "breachguard: import: stdin: %s\n", strerror(errno));
		return -1;
	}
	*fd_out = fd;
	return 1;
}

struct apply_job {
	int fd;
	bool again;
	const char *name;
	const struct bg_bundle_site *site;
	const struct bg_trust *tr;
	const struct bg_bundle_info *info;
	struct bg_bundle_result res;
	char *err;
	size_t errlen;
};

static int apply_job(struct bg_txn *t, void *arg)
{
	struct apply_job *j = arg;

	return bg_bundle_apply(t, false, j->again, j->fd, j->name, j->site, j->tr, j->info, &j->res,
			       j->err, j->errlen);
}

int bg_bundle_import(struct bg_tool *t, int fd, const char *path, bool json, bool dry_run,
		     bool again)
{
	const char *name = strcmp(path, "-") == 0 ? "stdin" : path;
	struct bg_trust *tr = NULL;
	struct bg_bundle_info *info = NULL;
	struct apply_job *j = NULL;
	struct bg_bundle_site site;
	char err[BG_PATH_MAX + 512], signer[17], created[32];
	struct bg_ctx ctx;
	int rc = BG_EXIT_FAIL, r, spool = -1;

	bg_ctx_init(&ctx, &t->cfg, &t->log,
		    (dry_run ? BG_STORE_RDONLY : BG_STORE_GROW) | BG_STORE_EXIT_DAMAGED);
	if (t->cfg.trusted_keys.n == 0) {
		fprintf(stderr,
			"breachguard: import: %s is a signed bundle and %s lists no trusted_keys; "
			"nothing written\n",
			name, t->conf_path);
		goto out;
	}
	tr = malloc(sizeof(*tr));
	info = malloc(sizeof(*info));
	j = calloc(1, sizeof(*j));
	if (!tr || !info || !j) {
		fprintf(stderr, "breachguard: import: out of memory\n");
		goto out;
	}
	if (bg_trust_load(tr, &t->cfg.trusted_keys, err, sizeof(err)) != 0) {
		fprintf(stderr, "breachguard: import: trusted_keys: %s; nothing written\n", err);
		goto out;
	}
	if (this_site(&ctx, &site) != 0)
		goto out;
	if (strcmp(path, "-") == 0 && !stdin_in_place(fd)) {
		if ((spool = spool_stdin(fd, &site, tr, info)) < 0)
			goto out;
		fd = spool;
	}
	/* Pass 1: the whole bundle checked, signature included, before any write. */
	if (bg_bundle_verify(fd, name, &site, tr, info, err, sizeof(err)) != 0) {
		fprintf(stderr, "breachguard: import: %s; nothing written\n", err);
		goto out;
	}
	/* Pass 2: applied in one transaction, read and checked again as it goes. */
	j->fd = fd;
	j->again = again;
	j->name = name;
	j->site = &site;
	j->tr = tr;
	j->info = info;
	j->err = err;
	j->errlen = sizeof(err);
	err[0] = '\0';
	if (dry_run) {
		struct bg_txn *txn;

		if (bg_txn_begin(ctx.store, false, &txn) != 0)
			goto out;
		r = bg_bundle_apply(txn, true, again, fd, name, &site, tr, info, &j->res, err,
				    sizeof(err));
		bg_txn_abort(txn);
	} else {
		r = bg_store_write(ctx.store, info->digests * 64 + (1u << 20), apply_job, j);
	}
	if (r != 0) {
		fprintf(stderr, "breachguard: import: %s; store unchanged\n",
			err[0] ? err : strerror(-r));
		goto out;
	}
	bg_signer_id(info->signer, signer);
	bg_iso_time(info->created, created, sizeof(created));
	if (json) {
		printf("{\"bundle\": ");
		bg_json_str(stdout, name);
		printf(", \"signer\": \"%s\", \"created\": \"%s\", \"dry_run\": %s, "
		       "\"identities\": %llu, \"new\": %llu, \"known\": %llu, ",
		       signer, created, dry_run ? "true" : "false",
		       (unsigned long long)info->digests, (unsigned long long)j->res.fresh,
		       (unsigned long long)j->res.known);
		print_bundle_advisories(info, &j->res);
		printf("}\n");
	} else {
		printf("%s: bundle signed by key %s on %s: %llu identities, %llu new, %llu known\n",
		       name, signer, created, (unsigned long long)info->digests,
		       (unsigned long long)j->res.fresh, (unsigned long long)j->res.known);
		for (unsigned i = 0; i < info->n_adv; i++) {
			char day[16];

			bg_day(info->adv[i].published, day, sizeof(day));
			if (j->res.id[i])
				printf("  advisory %u", j->res.id[i]);
			else
				printf("  advisory");
			fputc(' ', stdout);
			/* Names come from the bundle: quoted and escaped, as in JSON. */
			bg_json_str(stdout, info->adv[i].name);
			printf("%s%s: %llu identities (%s", day[0] ? " published " : "", day,
			       (unsigned long long)info->adv[i].count,
			       j->res.existed[i] ? "already present"
			       : dry_run	 ? "would be new"
						 : "new");
			if (j->res.forgotten[i]) {
				char when[32];

				bg_iso_time(j->res.forgotten[i], when, sizeof(when));
				printf("; forgotten on this host on %s, %s", when,
				       dry_run ? "would be imported again" : "imported again");
			}
			fputs(")\n", stdout);
		}
		if (dry_run)
			printf("dry run: verified; nothing written\n");
	}
	rc = BG_EXIT_OK;
out:
	if (spool >= 0)
		close(spool);
	free(tr);
	free(info);
	free(j);
	bg_ctx_close(&ctx);
	return rc;
}
