/* storetool.c: store-level helpers of the reliability suite, linked with
 * build/libbreachguard.a (and LMDB directly where a test must write what the
 * library never would).
 *
 *   storetool hold STORE KEYFILE txn|env   open the store read-only (and begin a
 *                                          read txn), print "ready", sleep until killed
 *   storetool schema STORE N               set meta "schema" to N (4 bytes, LE)
 *   storetool empty DIR                    an LMDB environment without our tables
 *   storetool badrec STORE adv|exp|rot     write a record of the wrong size
 *   storetool bend STORE branch|node       damage one page in place, as a disk
 *                                          might: branch: the advisories' root
 *                                          leaf (one key) flagged a branch, which
 *                                          LMDB asserts on (abort); node: in the
 *                                          meta table's leaf, the "identities"
 *                                          node's data size past the page, which
 *                                          no lookup of the module reads and
 *                                          every write of the page would trust
 *   storetool damage STORE SEED N CMD...   N trials: one page in use damaged
 *                                          (seeded: the same each run), CMD run,
 *                                          the file restored; prints the count
 *                                          of CMD's crashes (a signal, or the
 *                                          sanitizers' exit 86/87), exit 1 on one
 *   storetool swap A B SECONDS             exchange directories A and B (renameat2
 *                                          RENAME_EXCHANGE) in a loop
 *   storetool race STORE KEYFILE SECONDS MARKER
 *                                          open the store as the module does, in a
 *                                          loop; count refusals and acceptances, and
 *                                          fail when an accepted store has a file not
 *                                          owned by root open, or holds the advisory
 *                                          MARKER (planted only in the unsafe copy)
 *   storetool readers STORE                reader slots in use (pid != 0), from LMDB
 *   storetool fill STORE                   read transactions until the reader table
 *                                          is full ("full N"), held until killed
 *   storetool watch PID INO                until PID exits, print when it took and
 *                                          released the flock on inode INO (the
 *                                          gate writer.lock): "ws S we S end S"
 *   storetool kill PID INO at|write SECONDS
 *                                          SIGKILL PID SECONDS after now (at) or
 *                                          after it took the flock (write); print
 *                                          the phase at the kill: "write" (flock
 *                                          held) or "outside" */

#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <lmdb.h>

#include "digest.h"
#include "mdbread.h"
#include "store.h"

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int die(const char *what, int rc)
{
	fprintf(stderr, "storetool: %s: %s\n", what, rc > 0 ? mdb_strerror(rc) : strerror(-rc));
	return 1;
}

static int env_open(const char *dir, MDB_env **env, unsigned flags)
{
	int rc;

	if ((rc = mdb_env_create(env)) != 0)
		return rc;
	mdb_env_set_maxdbs(*env, 8);
	return mdb_env_open(*env, dir, flags, 0600);
}

static int cmd_hold(const char *dir, const char *keyfile, bool txn)
{
	unsigned char key[BG_KEY_LEN];
	struct bg_store *st = NULL;
	struct bg_txn *t = NULL;
	int rc;

	if ((rc = bg_key_load(keyfile, key, NULL)) != 0)
		return die("key", rc);
	if ((rc = bg_store_open(&st, dir, key, BG_STORE_RDONLY, 0, NULL)) != 0)
		return die("open", rc);
	if (txn && (rc = bg_txn_begin(st, false, &t)) != 0)
		return die("begin", rc);
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}

/* Read transactions (MDB_NOTLS: a slot each) until the reader table is full,
 * held until killed, as processes stopped inside their read would hold them. */
static int cmd_fill(const char *dir)
{
	MDB_env *env;
	MDB_txn *txn;
	unsigned n = 0;
	int rc;

	if ((rc = env_open(dir, &env, MDB_NOTLS | MDB_RDONLY)) != 0)
		return die("open", rc);
	while ((rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn)) == 0)
		n++;
	if (rc != MDB_READERS_FULL)
		return die("begin", rc);
	printf("full %u\n", n);
	fflush(stdout);
	for (;;)
		pause();
}

static int cmd_schema(const char *dir, const char *val)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi meta;
	unsigned long v = strtoul(val, NULL, 10);
	unsigned char b[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
			      (unsigned char)(v >> 24)};
	MDB_val k = {6, "schema"}, d = {4, b};
	int rc;

	if ((rc = env_open(dir, &env, 0)) || (rc = mdb_txn_begin(env, NULL, 0, &txn)) ||
	    (rc = mdb_dbi_open(txn, "meta", 0, &meta)) || (rc = mdb_put(txn, meta, &k, &d, 0)) ||
	    (rc = mdb_txn_commit(txn)))
		return die("schema", rc);
	mdb_env_close(env);
	return 0;
}

static int cmd_empty(const char *dir)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k = {1, "x"}, d = {1, "y"};
	int rc;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return die(dir, -errno);
	if ((rc = env_open(dir, &env, 0)) || (rc = mdb_txn_begin(env, NULL, 0, &txn)) ||
	    (rc = mdb_dbi_open(txn, NULL, 0, &dbi)) || (rc = mdb_put(txn, dbi, &k, &d, 0)) ||
	    (rc = mdb_txn_commit(txn)))
		return die("empty", rc);
	mdb_env_close(env);
	return 0;
}

/* The first record of the table gets a value of a size the store never writes. */
static int cmd_badrec(const char *dir, const char *which)
{
	const char *name = strcmp(which, "adv") == 0   ? "advisories"
			   : strcmp(which, "exp") == 0 ? "exposures"
						       : "rotations";
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_cursor *c;
	MDB_val k, d, nd = {3, "bad"};
	unsigned char kb[512];
	int rc;

	if ((rc = env_open(dir, &env, 0)) || (rc = mdb_txn_begin(env, NULL, 0, &txn)) ||
	    (rc = mdb_dbi_open(txn, name, 0, &dbi)) || (rc = mdb_cursor_open(txn, dbi, &c)) ||
	    (rc = mdb_cursor_get(c, &k, &d, MDB_FIRST)))
		return die(name, rc);
	memcpy(kb, k.mv_data, k.mv_size < sizeof(kb) ? k.mv_size : sizeof(kb));
	k.mv_data = kb;
	mdb_cursor_close(c);
	if (strcmp(which, "exp") == 0) {
		/* DUPFIXED values all have one size, so LMDB refuses a short one: give
		 * the first identity an id that names no advisory instead. */
		if ((rc = mdb_del(txn, dbi, &k, NULL)) != 0)
			return die("del", rc);
		nd.mv_size = 4;
		nd.mv_data = "\xff\xff\xff\xfe";
	}
	if ((rc = mdb_put(txn, dbi, &k, &nd, 0)) || (rc = mdb_txn_commit(txn)))
		return die("put", rc);
	mdb_env_close(env);
	return 0;
}

static int cmd_bend(const char *dir, const char *how)
{
	const bool branch = strcmp(how, "branch") == 0;
	unsigned char page[65536], b2[2];
	struct bg_mr *m = NULL;
	struct bg_mr_db db;
	char path[PATH_MAX];
	uint32_t psize;
	off_t at;
	int fd, rc;

	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	if ((fd = open(path, O_RDWR | O_CLOEXEC)) < 0)
		return die(path, -errno);
	if (pread(fd, b2, 2, 0) != 2 || pread(fd, &psize, 4, 16 + 24) != 4 ||
	    psize > sizeof(page) || bg_mr_open(&m, fd) != 0 ||
	    (rc = bg_mr_table(m, branch ? "advisories" : "meta", 0, &db)) != 0 || db.depth != 1) {
		fprintf(stderr, "storetool: bend: not a store of the expected shape\n");
		return 1;
	}
	bg_mr_close(m);
	at = (off_t)db.root * psize;
	if (pread(fd, page, psize, at) != (ssize_t)psize)
		return die("pread", -errno);
	if (branch) {
		uint16_t lower, flags = 0x01; /* P_BRANCH */

		memcpy(&lower, page + 12, 2);
		if (lower != 16 + 2) {
			fprintf(stderr, "storetool: bend: the advisories hold more than one key\n");
			return 1;
		}
		memcpy(page + 10, &flags, 2);
	} else {
		uint16_t lower, off, ks, big = 0xffff;
		bool done = false;

		memcpy(&lower, page + 12, 2);
		for (unsigned i = 0; i < (lower - 16u) / 2 && !done; i++) {
			memcpy(&off, page + 16 + 2 * i, 2);
			memcpy(&ks, page + off + 6, 2);
			if (ks == 10 && memcmp(page + off + 8, "identities", 10) == 0) {
				memcpy(page + off, &big, 2);
				done = true;
			}
		}
		if (!done) {
			fprintf(stderr, "storetool: bend: no \"identities\" in the meta leaf\n");
			return 1;
		}
	}
	if (pwrite(fd, page, psize, at) != (ssize_t)psize)
		return die("pwrite", -errno);
	close(fd);
	return 0;
}

static uint64_t rnd_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* One page of the data file's committed pages (meta pages included) damaged
 * as a disk or a bad copy might, CMD run on it, and the file's first pages
 * (the committed ones, and those a write by CMD may have added) put back. */
static int cmd_damage(const char *dir, uint64_t seed, long trials, char **cmd)
{
	static const char *const kinds[] = {"random page", "bytes", "header", "node offsets",
					    "a run of bytes"};
	unsigned char meta[2][160], *save, page[65536];
	char path[PATH_MAX];
	uint64_t s = seed * 2654435761u + 1, last, txn[2];
	uint32_t psize;
	size_t keep;
	long crashed = 0;
	int fd, pick;

	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	if ((fd = open(path, O_RDWR | O_CLOEXEC)) < 0)
		return die(path, -errno);
	if (pread(fd, meta[0], sizeof(meta[0]), 0) != (ssize_t)sizeof(meta[0]))
		return die("pread", -EIO);
	memcpy(&psize, meta[0] + 16 + 24, 4);
	if (psize < 512 || psize > sizeof(page) ||
	    pread(fd, meta[1], sizeof(meta[1]), psize) != (ssize_t)sizeof(meta[1]))
		return die("page size", -EINVAL);
	for (int i = 0; i < 2; i++)
		memcpy(&txn[i], meta[i] + 16 + 128, 8);
	pick = txn[0] < txn[1];
	memcpy(&last, meta[pick] + 16 + 120, 8);
	keep = (size_t)(last + 1 + 64) * psize; /* room for the pages a write adds */
	if (!(save = malloc(keep)) || pread(fd, save, keep, 0) != (ssize_t)keep)
		return die("pread", -EIO);
	for (long t = 0; t < trials; t++) {
		uint64_t pg = rnd_next(&s) % (last + 1);
		unsigned kind = (unsigned)(rnd_next(&s) % 5), n;
		int st = 0;
		pid_t pid;

		memcpy(page, save + pg * psize, psize);
		switch (kind) {
		case 0:
			for (uint32_t i = 0; i < psize; i++)
				page[i] = (unsigned char)rnd_next(&s);
			break;
		case 1:
			for (n = 1 + (unsigned)(rnd_next(&s) % 8); n--;)
				page[rnd_next(&s) % psize] = (unsigned char)rnd_next(&s);
			break;
		case 2:
			for (n = 1 + (unsigned)(rnd_next(&s) % 4); n--;)
				page[rnd_next(&s) % 16] = (unsigned char)rnd_next(&s);
			break;
		case 3:
			for (n = 1 + (unsigned)(rnd_next(&s) % 3); n--;)
				page[16 + rnd_next(&s) % 48] = (unsigned char)rnd_next(&s);
			break;
		default: {
			size_t at = rnd_next(&s) % psize, len = 1 + rnd_next(&s) % 64;

			for (size_t i = at; i < at + len && i < psize; i++)
				page[i] = (unsigned char)rnd_next(&s);
		}
		}
		if (pwrite(fd, page, psize, (off_t)(pg * psize)) != (ssize_t)psize)
			return die("pwrite", -errno);
		fflush(NULL);
		if ((pid = fork()) == 0) {
			int null = open("/dev/null", O_RDWR);

			dup2(null, 1);
			dup2(null, 2);
			execvp(cmd[0], cmd);
			_exit(127);
		}
		if (pid < 0 || waitpid(pid, &st, 0) != pid)
			return die("fork", -errno);
		if (WIFSIGNALED(st) ||
		    (WIFEXITED(st) && WEXITSTATUS(st) >= 86 && WEXITSTATUS(st) <= 87)) {
			if (crashed++ < 5)
				printf("crash: trial %ld, page %llu, %s: %s %d\n", t,
				       (unsigned long long)pg, kinds[kind],
				       WIFSIGNALED(st) ? "signal" : "exit",
				       WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
		} else if (WIFEXITED(st) && WEXITSTATUS(st) == 127) {
			return die(cmd[0], -ENOENT);
		}
		if (pwrite(fd, save, keep, 0) != (ssize_t)keep)
			return die("pwrite", -errno);
	}
	printf("damage: %ld trials over %llu pages, %ld crashed\n", trials,
	       (unsigned long long)last + 1, crashed);
	free(save);
	close(fd);
	return crashed ? 1 : 0;
}

static int cmd_swap(const char *a, const char *b, double seconds)
{
	double end = now_s() + seconds;
	long n = 0;

	while (now_s() < end) {
		if (syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) != 0)
			return die("renameat2", -errno);
		n++;
	}
	printf("swaps %ld\n", n);
	return 0;
}

/* Open descriptors naming a store file that root does not own; counted per
 * file name in seen[3] (data.mdb, lock.mdb, writer.lock). */
static int foreign_fds(long seen[3])
{
	static int shown;
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int bad = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char link[300], target[PATH_MAX];
		struct stat sb;
		ssize_t len;
		int which;

		if (e->d_name[0] == '.')
			continue;
		snprintf(link, sizeof(link), "/proc/self/fd/%s", e->d_name);
		len = readlink(link, target, sizeof(target) - 1);
		if (len < 0)
			continue;
		target[len] = '\0';
		which = strstr(target, "data.mdb")	? 0
			: strstr(target, "lock.mdb")	? 1
			: strstr(target, "writer.lock") ? 2
							: -1;
		if (which < 0)
			continue;
		if (fstat(atoi(e->d_name), &sb) == 0 && (sb.st_uid != 0 || (sb.st_mode & 022))) {
			if (shown++ < 3)
				fprintf(stderr, "storetool: accepted unsafe %s (uid %u mode %o)\n",
					target, (unsigned)sb.st_uid, (unsigned)sb.st_mode & 07777);
			seen[which]++;
			bad++;
		}
	}
	closedir(d);
	return bad;
}

static void quiet(void *arg, int prio, const char *fmt, va_list ap)
{
	(void)arg;
	(void)prio;
	(void)fmt;
	(void)ap;
}

static int cmd_race(const char *dir, const char *keyfile, double seconds, const char *marker)
{
	struct bg_logger log = {quiet, NULL, false};
	unsigned char key[BG_KEY_LEN];
	double end = now_s() + seconds;
	long opened = 0, refused = 0, unsafe_fd = 0, unsafe_data = 0, other = 0,
	     seen[3] = {0, 0, 0};
	int rc;

	if ((rc = bg_key_load(keyfile, key, NULL)) != 0)
		return die("key", rc);
	while (now_s() < end) {
		struct bg_store *st = NULL;
		struct bg_txn *t = NULL;
		struct bg_advisory a;

		rc = bg_store_open(&st, dir, key, BG_STORE_NOWAIT, 0, &log);
		if (rc == -EPERM || rc == -ELOOP || rc == -ENOENT || rc == -EINVAL ||
		    rc == -ENOTDIR) {
			refused++;
			continue;
		}
		if (rc != 0) {
			if (other++ < 5)
				fprintf(stderr, "storetool: race: open: %s\n", strerror(-rc));
			continue;
		}
		opened++;
		if (foreign_fds(seen) > 0)
			unsafe_fd++;
		if (bg_txn_begin(st, false, &t) == 0) {
			if (bg_advisory_find(t, marker, &a) == 0)
				unsafe_data++;
			bg_txn_abort(t);
		}
		bg_store_close(st);
	}
	printf("opened %ld refused %ld other %ld unsafe_fd %ld unsafe_data %ld "
	       "(foreign fds: data.mdb %ld lock.mdb %ld writer.lock %ld)\n",
	       opened, refused, other, unsafe_fd, unsafe_data, seen[0], seen[1], seen[2]);
	return unsafe_fd || unsafe_data ? 1 : 0;
}

static int count_line(const char *msg, void *ctx)
{
	int *n = ctx;

	/* One header line, then one line per slot with a pid. */
	if (strstr(msg, "pid") == NULL && strstr(msg, "no active readers") == NULL)
		(*n)++;
	return 0;
}

/* Slots in use (a pid recorded), counted without taking one ourselves. */
static int cmd_readers(const char *dir)
{
	MDB_env *env;
	MDB_envinfo info;
	int rc, n = 0;

	if ((rc = env_open(dir, &env, MDB_RDONLY | MDB_NOTLS)))
		return die("open", rc);
	mdb_env_info(env, &info);
	mdb_reader_list(env, count_line, &n);
	printf("in_use %d high_water %u\n", n, info.me_numreaders);
	mdb_env_close(env);
	return 0;
}

/* Whether PID holds a FLOCK on inode INO (from /proc/locks). */
static bool holds_flock(pid_t pid, unsigned long ino)
{
	FILE *f = fopen("/proc/locks", "re");
	char line[256];
	bool held = false;

	if (!f)
		return false;
	while (!held && fgets(line, sizeof(line), f)) {
		char kind[16], dev[64];
		long lpid;
		unsigned long lino;
		char *p = strstr(line, "FLOCK");

		if (!p || sscanf(p, "%15s %*s %*s %ld %63s", kind, &lpid, dev) != 3)
			continue;
		p = strrchr(dev, ':');
		lino = p ? strtoul(p + 1, NULL, 10) : 0;
		held = lpid == (long)pid && lino == ino;
	}
	fclose(f);
	return held;
}

/* Alive and not a zombie. */
static bool alive(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	bool ok = false;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) && p[1] == ' ')
		ok = p[2] != 'Z' && p[2] != 'X';
	fclose(f);
	return ok;
}

static void nap(double s)
{
	struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};

	nanosleep(&ts, NULL);
}

static int cmd_watch(pid_t pid, unsigned long ino)
{
	double t0 = now_s(), ws = -1, we = -1;

	bool was = false;
	int holds = 0;

	/* From the first time it takes the gate to the last time it lets go (a
	 * writer that finds the map full lets go, grows it and takes it again). */
	while (alive(pid)) {
		bool h = holds_flock(pid, ino);

		if (h && ws < 0)
			ws = now_s() - t0;
		if (h && !was)
			holds++;
		if (!h && was)
			we = now_s() - t0;
		was = h;
		nap(0.001);
	}
	if (was)
		we = -1;
	if (we < 0)
		we = now_s() - t0;
	/* Relative times, then the window in CLOCK_MONOTONIC seconds. */
	printf("ws %.3f we %.3f end %.3f abs %.6f %.6f holds %d\n", ws, we, now_s() - t0, t0 + ws,
	       t0 + we, holds);
	return ws < 0 ? 1 : 0;
}

static int cmd_kill(pid_t pid, unsigned long ino, bool in_write, double delay)
{
	bool h;

	if (in_write) {
		while (!holds_flock(pid, ino)) {
			if (!alive(pid)) {
				printf("ended\n");
				return 0;
			}
			nap(0.001);
		}
	}
	nap(delay);
	h = holds_flock(pid, ino);
	kill(pid, SIGKILL);
	printf("%s\n", h ? "write" : "outside");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 5 && strcmp(argv[1], "hold") == 0)
		return cmd_hold(argv[2], argv[3], strcmp(argv[4], "txn") == 0);
	if (argc == 3 && strcmp(argv[1], "fill") == 0)
		return cmd_fill(argv[2]);
	if (argc == 4 && strcmp(argv[1], "schema") == 0)
		return cmd_schema(argv[2], argv[3]);
	if (argc == 3 && strcmp(argv[1], "empty") == 0)
		return cmd_empty(argv[2]);
	if (argc == 4 && strcmp(argv[1], "badrec") == 0)
		return cmd_badrec(argv[2], argv[3]);
	if (argc == 4 && strcmp(argv[1], "bend") == 0)
		return cmd_bend(argv[2], argv[3]);
	if (argc >= 6 && strcmp(argv[1], "damage") == 0)
		return cmd_damage(argv[2], strtoull(argv[3], NULL, 10), atol(argv[4]), argv + 5);
	if (argc == 5 && strcmp(argv[1], "swap") == 0)
		return cmd_swap(argv[2], argv[3], strtod(argv[4], NULL));
	if (argc == 6 && strcmp(argv[1], "race") == 0)
		return cmd_race(argv[2], argv[3], strtod(argv[4], NULL), argv[5]);
	if (argc == 3 && strcmp(argv[1], "readers") == 0)
		return cmd_readers(argv[2]);
	if (argc == 4 && strcmp(argv[1], "watch") == 0)
		return cmd_watch((pid_t)atol(argv[2]), strtoul(argv[3], NULL, 10));
	if (argc == 6 && strcmp(argv[1], "kill") == 0)
		return cmd_kill((pid_t)atol(argv[2]), strtoul(argv[3], NULL, 10),
				strcmp(argv[4], "write") == 0, strtod(argv[5], NULL));
	fprintf(stderr,
		"usage: storetool hold|schema|empty|badrec|bend|damage|swap|race|readers ...\n");
	return 2;
}
