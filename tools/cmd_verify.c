/* cmd_verify.c: `breachguard verify`.  LMDB keeps no page checksums, so random
 * bytes in a live page could make a flagged user read as clear.  verify walks
 * every record: each one's layout, every exposure's advisory, the counts the
 * store keeps, and the keyed digest of all records against the one every
 * write folds into meta at commit (store.c).  Exit 0: sound; 1: what is wrong
 * is printed (the daily timer logs it to authpriv).  The walk runs in a child
 * process: a page damaged badly enough to crash LMDB is reported, not fatal. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "recsum.h"
#include "session.h"

#define SHOW_MAX 20

struct walk {
	struct bg_store *st;
	unsigned long problems;
	/* advisories in key order, with the pairs that name each */
	uint32_t *ids;
	uint64_t *declared, *pairs;
	size_t nadv, cap;
	uint64_t n_exp, n_keys, n_rot, n_legacy, unknown_pairs, n_forgot;
	unsigned char last[16];
	bool have_last;
};

static void problem(struct walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void problem(struct walk *w, const char *fmt, ...)
{
	va_list ap;

	if (w->problems++ >= SHOW_MAX)
		return;
	fputs("verify: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
}

static uint32_t be32(const void *p)
{
	const unsigned char *b = p;

	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static long find_adv(const struct walk *w, uint32_t id)
{
	size_t lo = 0, hi = w->nadv;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (w->ids[mid] == id)
			return (long)mid;
		if (w->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int on_record(void *arg, char tag, const void *k, size_t kl, const void *v, size_t vl)
{
	struct walk *w = arg;
	struct bg_advisory a;
	const char *why = bg_store_check_record(w->st, tag, k, kl, v, vl, &a);

	if (why) {
		problem(w, "%s (%s table, key of %zu bytes)", why,
			tag == 'a'   ? "advisories"
			: tag == 'e' ? "exposures"
			: tag == 'r' ? "rotations"
				     : "meta",
			kl);
		return 0;
	}
	if (tag == 'a') {
		if (w->nadv && a.id <= w->ids[w->nadv - 1]) {
			problem(w, "advisory %u out of order", a.id);
			return 0;
		}
		if (w->nadv == w->cap) {
			size_t cap = w->cap ? w->cap * 2 : 64;
			uint32_t *ids = realloc(w->ids, cap * sizeof(*ids));
			uint64_t *d = ids ? realloc(w->declared, cap * sizeof(*d)) : NULL;
			uint64_t *p = d ? realloc(w->pairs, cap * sizeof(*p)) : NULL;

			if (ids)
				w->ids = ids;
			if (d)
				w->declared = d;
			if (!p)
				return -ENOMEM;
			w->pairs = p;
			w->cap = cap;
		}
		w->ids[w->nadv] = a.id;
		w->declared[w->nadv] = a.count;
		w->pairs[w->nadv++] = 0;
	} else if (tag == 'e') {
		long i = find_adv(w, be32(v));

		w->n_exp++;
		if (!w->have_last || memcmp(w->last, k, 16) != 0) {
			w->n_keys++;
			memcpy(w->last, k, 16);
			w->have_last = true;
		}
		if (i < 0) {
			if (w->unknown_pairs++ < 3)
				problem(w, "an exposure names advisory %u, which does not exist",
					be32(v));
		} else {
			w->pairs[i]++;
		}
	} else if (tag == 'r') {
		w->n_rot++;
		w->n_legacy += kl != 16;
	} else {
		w->n_forgot++;
	}
	return 0;
}

/* The forget records' recorded part of the digest: zero when the store never
 * had one (no key), as a store from before has none. */
static int forgot_recorded(struct bg_txn *txn, unsigned char out[BG_RECSUM_LEN])
{
	int rc = bg_store_forgot_digest_get(txn, out);

	if (rc == -ENOENT) {
		memset(out, 0, BG_RECSUM_LEN);
		rc = 0;
	}
	return rc;
}

static bool same(const unsigned char a[BG_RECSUM_LEN], const unsigned char b[BG_RECSUM_LEN])
{
	return memcmp(a, b, BG_RECSUM_LEN) == 0;
}

/* The walked digests (all records: got; forget's records: got_f) against the
 * recorded ones (want; want_f, zero when the store never had forget records).
 * The recorded digest less the forget records' part, against the walk's
 * tables, tells which records changed: the forget records alone are named
 * (a removed one lets a replay bring back what was forgotten). */
static void compare_digests(struct walk *w, const unsigned char want[BG_RECSUM_LEN],
			    const unsigned char want_f[BG_RECSUM_LEN],
			    const unsigned char got[BG_RECSUM_LEN],
			    const unsigned char got_f[BG_RECSUM_LEN])
{
	unsigned char want_t[BG_RECSUM_LEN], got_t[BG_RECSUM_LEN];

	for (int i = 0; i < BG_RECSUM_LEN; i++) {
		want_t[i] = want[i] ^ want_f[i];
		got_t[i] = got[i] ^ got_f[i];
	}
	if (same(want, got) && same(want_f, got_f))
		return;
	if (same(want, got))
		problem(w, "the recorded digest of the forget records does not match them: it was "
			   "changed outside breachguard or is damaged");
	else if (same(want_t, got_t))
		problem(
		    w,
		    "the forget records (%llu in the store) do not match the digest recorded at "
		    "the last commit: one was removed, changed or added outside breachguard (a "
		    "bundle replayed may bring back an advisory forget removed)",
		    (unsigned long long)w->n_forgot);
	else
		problem(w, "the records do not match the digest recorded at the last commit: "
			   "the store was changed outside breachguard or is damaged");
}

static int verify_store(struct bg_tool *t)
{
	struct bg_ctx ctx;
	struct bg_txn *txn = NULL;
	struct bg_store_stats ss;
	struct walk w;
	unsigned char want[BG_RECSUM_LEN], got[BG_RECSUM_LEN], want_f[BG_RECSUM_LEN],
	    got_f[BG_RECSUM_LEN];
	int rc, r;

	memset(&w, 0, sizeof(w));
	bg_ctx_init(&ctx, &t->cfg, &t->log, BG_STORE_RDONLY | BG_STORE_EXIT_DAMAGED);
	if (bg_ctx_open(&ctx) != 0 || bg_store_stats(ctx.store, &ss) != 0 ||
	    bg_txn_begin(ctx.store, false, &txn) != 0) {
		printf("verify: %s: cannot be read (see the error above)\n", t->cfg.store);
		rc = BG_EXIT_FAIL;
		goto out;
	}
	w.st = ctx.store;
	r = bg_store_digest_walk(txn, got, got_f, on_record, &w);
	if (r == -ENOMEM) {
		fprintf(stderr, "breachguard: verify: out of memory\n");
		rc = BG_EXIT_FAIL;
		goto out;
	}
	if (r != 0)
		problem(&w, "the walk stopped: %s (a damaged page)", strerror(-r));
	for (size_t i = 0; i < w.nadv; i++)
		if (w.pairs[i] != w.declared[i])
			problem(&w, "advisory %u holds %llu identities, its record says %llu",
				w.ids[i], (unsigned long long)w.pairs[i],
				(unsigned long long)w.declared[i]);
	if (r == 0) {
		if (w.n_keys != ss.identities)
			problem(&w, "%llu identities, the store's counter says %llu",
				(unsigned long long)w.n_keys, (unsigned long long)ss.identities);
		if (w.n_exp != ss.exposures || w.nadv != ss.advisories || w.n_rot != ss.rotations)
			problem(&w,
				"records walked (%llu exposures, %zu advisories, %llu rotations) "
				"differ from the tables' own counts (%llu, %llu, %llu)",
				(unsigned long long)w.n_exp, w.nadv, (unsigned long long)w.n_rot,
				(unsigned long long)ss.exposures, (unsigned long long)ss.advisories,
				(unsigned long long)ss.rotations);
	}
	r = bg_store_digest_get(txn, want);
	if (r == -ENOENT)
		problem(&w,
			"no digest recorded (a store from before verify existed: the next import, "
			"forget, flag or reset records it)");
	else if (r != 0)
		problem(&w, "the recorded digest cannot be read: %s", strerror(-r));
	else if ((r = forgot_recorded(txn, want_f)) != 0)
		problem(&w, "the recorded digest of the forget records cannot be read: %s",
			strerror(-r));
	else
		compare_digests(&w, want, want_f, got, got_f);
	if (w.problems > SHOW_MAX)
		printf("verify: ... and %lu more problem(s)\n", w.problems - SHOW_MAX);
	if (w.problems) {
		printf("verify: %s: %lu problem(s); the verdicts it gives cannot be trusted "
		       "(restore it from a backup, or re-import after \"breachguard init\" on a "
		       "new store)\n",
		       t->cfg.store, w.problems);
		rc = BG_EXIT_FAIL;
	} else {
		printf("verify: %s: ok: %zu advisories, %llu identities, %llu exposures, %llu "
		       "rotation "
		       "records",
		       t->cfg.store, w.nadv, (unsigned long long)w.n_keys,
		       (unsigned long long)w.n_exp, (unsigned long long)w.n_rot);
		if (w.n_forgot) /* a store without any says what it said before */
			printf(", %llu forget record%s", (unsigned long long)w.n_forgot,
			       w.n_forgot == 1 ? "" : "s");
		printf("%s\n", w.n_legacy
				   ? " (some keyed by plain user names: moved by their next write)"
				   : "");
		rc = BG_EXIT_OK;
	}
out:
	bg_txn_abort(txn);
	bg_ctx_close(&ctx);
	free(w.ids);
	free(w.declared);
	free(w.pairs);
	return rc;
}

int bg_sacrificial(const char *cmd, struct bg_tool *t, int (*run)(struct bg_tool *, int, char **),
		   int argc, char **argv)
{
	int status = 0;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "breachguard: %s: fork: %s\n", cmd, strerror(errno));
		return BG_EXIT_FAIL;
	}
	if (pid == 0) {
		int rc;

		/* The child is the sacrificial reader: a damaged page that sends
		 * LMDB through a wild pointer kills it, and the parent reports that
		 * (a sanitizer's handler would turn it into an exit code instead). */
		signal(SIGSEGV, SIG_DFL);
		signal(SIGBUS, SIG_DFL);
		rc = bg_stdout_done(cmd, run(t, argc, argv));
		fflush(stderr);
		_exit(rc);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			fprintf(stderr, "breachguard: %s: waitpid: %s\n", cmd, strerror(errno));
			return BG_EXIT_FAIL;
		}
	if (WIFSIGNALED(status))
		return -WTERMSIG(status);
	return WEXITSTATUS(status);
}

static int verify_run(struct bg_tool *t, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return verify_store(t);
}

int bg_cmd_verify(struct bg_tool *t, int argc, char **argv)
{
	int rc;

	(void)argv;
	if (argc != 1)
		return bg_usage("verify", "");
	rc = bg_sacrificial("verify", t, verify_run, argc, argv);
	if (rc < 0) {
		printf("verify: %s: reading the store crashed (signal %d): it is damaged\n",
		       t->cfg.store, -rc);
		return BG_EXIT_FAIL;
	}
	return rc == 0 ? BG_EXIT_OK : BG_EXIT_FAIL;
}
