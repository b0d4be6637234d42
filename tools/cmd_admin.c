/* cmd_admin.c: init, advisories, forget, flag, reset and stats. */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "escape.h"
#include "identity.h"
#include "session.h"

static int parse_size(const char *s, size_t *out)
{
	unsigned long long v;
	char *end;

	if (!s[0] || s[0] < '0' || s[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < (1u << 16) || v > (1ULL << 40))
		return -ERANGE;
	*out = (size_t)v;
	return 0;
}

static int pin_norm(struct bg_txn *t, void *arg)
{
	return bg_store_norm_pin(t, arg);
}

int bg_cmd_init(struct bg_tool *t, int argc, char **argv)
{
	static const struct option opts[] = {{"map-size", required_argument, NULL, 'm'},
					     {NULL, 0, NULL, 0}};
	unsigned char key[BG_KEY_LEN];
	struct bg_store *st = NULL;
	struct stat sb;
	size_t map = 0;
	struct bg_norm_opts norm;
	bool key_made = false, store_made, pinned;
	char data[BG_PATH_MAX + 16], said[BG_NORM_TEXT_MAX];
	int c, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'm' || parse_size(optarg, &map) != 0)
			return bg_usage("init", "[--map-size BYTES (64 KiB to 1 TiB)]");
	}
	if (optind != argc)
		return bg_usage("init", "[--map-size BYTES]");
	umask(077);
	if (lstat(t->cfg.key_file, &sb) != 0) {
		if (errno != ENOENT) {
			fprintf(stderr, "breachguard: key file %s: %s\n", t->cfg.key_file,
				strerror(errno));
			return BG_EXIT_FAIL;
		}
		if (bg_key_create(t->cfg.key_file, &t->log) != 0)
			return BG_EXIT_FAIL;
		key_made = true;
	}
	if (bg_key_load(t->cfg.key_file, key, &t->log) != 0)
		return BG_EXIT_FAIL;
	snprintf(data, sizeof(data), "%s/data.mdb", t->cfg.store);
	store_made = lstat(data, &sb) != 0;
	rc = bg_store_open(&st, t->cfg.store, key,
			   BG_STORE_CREATE | BG_STORE_GROW | BG_STORE_EXIT_DAMAGED, map, &t->log);
	bg_wipe(key, sizeof(key));
	if (rc != 0)
		return BG_EXIT_FAIL;
	/* A new store records the settings its digests will be made under; an
	 * older one gets them from its next import (which makes digests). */
	bg_norm_opts_from_config(&norm, &t->cfg);
	if (bg_norm_check_store(st, &t->cfg, &t->log) != 0 ||
	    (store_made && bg_store_write(st, 64u << 10, pin_norm, &norm) != 0)) {
		bg_store_close(st);
		return BG_EXIT_FAIL;
	}
	pinned = bg_store_norm(st, &norm) == 0;
	bg_store_close(st);
	bg_norm_describe(&norm, said, sizeof(said));
	printf("key:   %s (%s)\n", t->cfg.key_file,
	       key_made ? "created, 32 random bytes, mode 0600" : "already present, kept");
	printf("store: %s (%s)\n", t->cfg.store,
	       store_made ? "created, mode 0700" : "already present, kept");
	printf("match: %s (%s)\n", said,
	       store_made ? "recorded"
	       : pinned	  ? "as recorded"
			  : "recorded by the next import");
	return BG_EXIT_OK;
}

/* Opens key and store for a command; the caller bg_ctx_close()s. */
static int open_store(struct bg_tool *t, struct bg_ctx *ctx, unsigned flags)
{
	bg_ctx_init(ctx, &t->cfg, &t->log, flags | BG_STORE_EXIT_DAMAGED);
	return bg_ctx_open(ctx) == 0 ? 0 : BG_EXIT_FAIL;
}

struct adv_list {
	bool json;
	size_t n;
};

static int print_adv(const struct bg_advisory *a, void *arg)
{
	struct adv_list *l = arg;
	char day[16], imported[32];

	bg_day(a->published, day, sizeof(day));
	bg_iso_time(a->imported, imported, sizeof(imported));
	if (l->json) {
		printf("%s\n  ", l->n ? "," : "");
		bg_json_advisory_head(stdout, a->id, a->name, a->published);
		printf(", \"imported\": \"%s\", \"identities\": %llu}", imported,
		       (unsigned long long)a->count);
	} else {
		if (l->n == 0)
			printf("%-5s %-32s %-10s %-20s %s\n", "ID", "NAME", "DATE", "IMPORTED",
			       "IDENTITIES");
		char safe[BG_NAME_MAX * 8];

		printf("%-5u %-32s %-10s %-20s %llu\n", a->id,
		       bg_escape(a->name, BG_ESC_QUOTES, safe, sizeof(safe)), day[0] ? day : "-",
		       imported, (unsigned long long)a->count);
	}
	l->n++;
	return 0;
}

int bg_cmd_advisories(struct bg_tool *t, int argc, char **argv)
{
	static const struct option opts[] = {{"json", no_argument, NULL, 'j'}, {NULL, 0, NULL, 0}};
	struct adv_list l = {false, 0};
	struct bg_ctx ctx;
	struct bg_txn *txn = NULL;
	int c, rc = BG_EXIT_FAIL;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'j')
			return bg_usage("advisories", "[--json]");
		l.json = true;
	}
	if (optind != argc)
		return bg_usage("advisories", "[--json]");
	if (open_store(t, &ctx, BG_STORE_RDONLY) != 0)
		goto out;
	if (bg_txn_begin(ctx.store, false, &txn) != 0)
		goto out;
	if (l.json)
		printf("[");
	if (bg_advisory_foreach(txn, print_adv, &l) != 0)
		goto out;
	if (l.json)
		printf("%s]\n", l.n ? "\n" : "");
	else if (l.n == 0)
		printf("no advisories\n");
	rc = BG_EXIT_OK;
out:
	bg_txn_abort(txn);
	bg_ctx_close(&ctx);
	return rc;
}

/* An advisory named by id (all digits) or by name (forget, export). */
int bg_advisory_by_ref(struct bg_txn *txn, const char *ref, struct bg_advisory *a)
{
	char *end;
	unsigned long id;

	if (ref[0] >= '0' && ref[0] <= '9') {
		errno = 0;
		id = strtoul(ref, &end, 10);
		if (!errno && !*end && id > 0 && id <= UINT32_MAX) {
			struct bg_advisory named;
			int rc = bg_advisory_get(txn, (uint32_t)id, a);
			int rn = bg_advisory_find(txn, ref, &named);

			/* An advisory named "1" (a store from before names were
			 * checked) and advisory 1: never guess which is meant. */
			if (rn == 0 && rc == -ENOENT) {
				*a = named;
				return 0;
			}
			if (rn == 0 && rc == 0 && named.id != a->id)
				return -ENOTUNIQ;
			return rc;
		}
	}
	return bg_advisory_find(txn, ref, a);
}

struct forget_job {
	const char *ref;
	struct bg_advisory a;
	uint64_t removed;
	int64_t now;
};

/* The advisory goes, and a record that it went (bg_forgotten_put): a bundle
 * that brings it back is refused unless told (import --again). */
static int forget_job(struct bg_txn *txn, void *arg)
{
	struct forget_job *j = arg;
	int rc = bg_advisory_by_ref(txn, j->ref, &j->a);

	if (rc == 0)
		rc = bg_advisory_delete(txn, j->a.id, &j->removed);
	return rc ? rc : bg_forgotten_put(txn, &j->a, j->now);
}

int bg_cmd_forget(struct bg_tool *t, int argc, char **argv)
{
	struct forget_job j = {NULL, {0}, 0, 0};
	char safe[BG_NAME_MAX * 8];
	struct bg_store_stats ss;
	struct bg_ctx ctx;
	int rc = BG_EXIT_FAIL, r;

	if (argc != 2 || argv[1][0] == '-')
		return bg_usage("forget", "ADVISORY (its name or id)");
	j.ref = argv[1];
	j.now = (int64_t)time(NULL);
	if (open_store(t, &ctx, BG_STORE_GROW) != 0 || bg_store_stats(ctx.store, &ss) != 0)
		goto out;
	/* Deleting pairs spread over the table may copy every page once. */
	r = bg_store_write(ctx.store, ss.used_bytes + (1u << 20), forget_job, &j);
	if (r == -ENOENT) {
		fprintf(stderr,
			"breachguard: no advisory \"%s\" in %s (see \"breachguard advisories\")\n",
			argv[1], t->cfg.store);
		goto out;
	}
	if (r == -ENOTUNIQ) {
		fprintf(stderr, "breachguard: forget %s: %s; store unchanged\n", argv[1],
			BG_REF_AMBIGUOUS);
		goto out;
	}
	if (r != 0) {
		fprintf(stderr, "breachguard: forget %s: %s; store unchanged\n", argv[1],
			r == -ENOSPC ? "no space left on the device" : strerror(-r));
		goto out;
	}
	printf("forgot advisory %u \"%s\": %llu exposure(s) removed\n", j.a.id,
	       bg_escape(j.a.name, BG_ESC_QUOTES, safe, sizeof(safe)),
	       (unsigned long long)j.removed);
	rc = BG_EXIT_OK;
out:
	bg_ctx_close(&ctx);
	return rc;
}

struct flag_job {
	const char *name;
	char *const *users;
	int n;
	struct bg_hmac *hmac;
	struct bg_advisory a;
	unsigned added;
};

static int flag_job(struct bg_txn *txn, void *arg)
{
	struct flag_job *j = arg;
	int r = bg_advisory_find(txn, j->name, &j->a);

	j->added = 0;
	if (r == -ENOENT) {
		memset(&j->a, 0, sizeof(j->a));
		snprintf(j->a.name, sizeof(j->a.name), "%s", j->name);
		j->a.published = -1;
		j->a.imported = (int64_t)time(NULL);
		j->a.grace_days = -1;
	} else if (r != 0) {
		return r;
	}
	if ((r = bg_advisory_put(txn, &j->a)) != 0) /* allocates the id of a new one */
		return r;
	for (int i = 0; i < j->n; i++) {
		char id[BG_ID_MAX];
		unsigned char d[BG_DIGEST_LEN];

		if (bg_user_identity(j->users[i], id, sizeof(id)) < 0)
			return -ENAMETOOLONG;
		if ((r = bg_hmac_digest(j->hmac, "id", id, strlen(id), d)) != 0)
			return r;
		r = bg_exposure_add(txn, d, j->a.id);
		if (r < 0)
			return r;
		if (r != BG_EXP_KNOWN_PAIR) {
			j->a.count++;
			j->added++;
		}
	}
	return bg_advisory_put(txn, &j->a);
}

int bg_cmd_flag(struct bg_tool *t, int argc, char **argv)
{
	static const struct option opts[] = {{"name", required_argument, NULL, 'n'},
					     {NULL, 0, NULL, 0}};
	struct flag_job j = {"flagged-by-admin", NULL, 0, NULL, {0}, 0};
	struct bg_ctx ctx;
	int c, r, rc = BG_EXIT_FAIL;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'n')
			return bg_usage("flag", "[--name NAME] USER...");
		j.name = optarg;
	}
	if (optind >= argc || !j.name[0] || strlen(j.name) >= BG_NAME_MAX)
		return bg_usage("flag", "[--name NAME (1-127 bytes)] USER...");
	if (bg_name_all_digits(j.name)) {
		fprintf(stderr, "breachguard: flag: --name %s: %s; refused\n", j.name,
			BG_NAME_DIGITS_WHY);
		return BG_EXIT_USAGE;
	}
	if (bg_name_problem(j.name)) {
		fprintf(stderr, "breachguard: flag: --name %s; refused\n", bg_name_problem(j.name));
		return BG_EXIT_USAGE;
	}
	for (int i = optind; i < argc; i++) {
		if (!getpwnam(argv[i])) {
			fprintf(stderr, "breachguard: flag: no such user \"%s\"; nothing flagged\n",
				argv[i]);
			return BG_EXIT_FAIL;
		}
	}
	j.users = argv + optind;
	j.n = argc - optind;
	if (open_store(t, &ctx, BG_STORE_GROW) != 0)
		goto out;
	j.hmac = ctx.hmac;
	r = bg_store_write(ctx.store, (uint64_t)j.n * 16384 + (256u << 10), flag_job, &j);
	if (r != 0) {
		fprintf(stderr, "breachguard: flag: %s; store unchanged\n",
			r == -ENOSPC ? "no space left on the device" : strerror(-r));
		goto out;
	}
	{
		char safe[BG_NAME_MAX * 8];

		printf("flagged %u user(s) under advisory %u \"%s\" (%d already there)\n", j.added,
		       j.a.id, bg_escape(j.a.name, BG_ESC_QUOTES, safe, sizeof(safe)),
		       j.n - (int)j.added);
	}
	rc = BG_EXIT_OK;
out:
	bg_ctx_close(&ctx);
	return rc;
}

int bg_cmd_reset(struct bg_tool *t, int argc, char **argv)
{
	struct bg_ctx ctx;
	int rc = BG_EXIT_OK;

	if (argc < 2 || argv[1][0] == '-')
		return bg_usage("reset", "USER...");
	bg_ctx_init(&ctx, &t->cfg, &t->log, BG_STORE_GROW | BG_STORE_EXIT_DAMAGED);
	for (int i = 1; i < argc; i++) {
		int r;

		if (!getpwnam(argv[i])) {
			fprintf(stderr, "breachguard: reset: no such user \"%s\"\n", argv[i]);
			rc = BG_EXIT_FAIL;
			continue;
		}
		r = bg_record_rotation(&ctx, argv[i], BG_ROT_ADMIN);
		if (r == 1)
			printf("%s: rotation recorded (administrator reset)\n", argv[i]);
		else if (r == 0)
			printf("%s: in no advisory (or exempt); nothing to reset\n", argv[i]);
		else
			rc = BG_EXIT_FAIL;
	}
	bg_ctx_close(&ctx);
	return rc;
}

int bg_cmd_stats(struct bg_tool *t, int argc, char **argv)
{
	static const struct option opts[] = {{"json", no_argument, NULL, 'j'}, {NULL, 0, NULL, 0}};
	struct bg_store_stats s;
	struct bg_ctx ctx;
	bool json = false;
	int c, rc = BG_EXIT_FAIL;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'j')
			return bg_usage("stats", "[--json]");
		json = true;
	}
	if (optind != argc)
		return bg_usage("stats", "[--json]");
	if (open_store(t, &ctx, BG_STORE_RDONLY) != 0 || bg_store_stats(ctx.store, &s) != 0)
		goto out;
	if (json)
		printf("{\"advisories\": %llu, \"identities\": %llu, \"exposures\": %llu, "
		       "\"rotations\": %llu, \"map_size\": %llu, \"used_bytes\": %llu, "
		       "\"readers\": %u, \"max_readers\": %u}\n",
		       (unsigned long long)s.advisories, (unsigned long long)s.identities,
		       (unsigned long long)s.exposures, (unsigned long long)s.rotations,
		       (unsigned long long)s.map_size, (unsigned long long)s.used_bytes,
		       s.readers_used, s.max_readers);
	else
		printf("store:       %s\nadvisories:  %llu\nidentities:  %llu\nexposures:   %llu\n"
		       "rotations:   %llu\nmap:         %llu of %llu bytes used\nreaders:     %u "
		       "of %u slots\n",
		       t->cfg.store, (unsigned long long)s.advisories,
		       (unsigned long long)s.identities, (unsigned long long)s.exposures,
		       (unsigned long long)s.rotations, (unsigned long long)s.used_bytes,
		       (unsigned long long)s.map_size, s.readers_used, s.max_readers);
	rc = BG_EXIT_OK;
out:
	bg_ctx_close(&ctx);
	return rc;
}
