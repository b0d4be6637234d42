/* gate.c: a writer's wait for the writers' gate, and who holds it.  Readers
 * hold writer.lock shared for the microseconds of a check, writers
 * exclusively for their transaction (store.c).  A waiting writer polls it and
 * looks at the holders in /proc/locks now and then: one that stays stopped is
 * reported by pid, name and user instead of being waited for forever. */
#include "gate.h"

#include "escape.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

/* The process state letter of /proc/PID/stat ('T' stopped, 't' traced), its
 * name (escaped) and real uid (-1 unknown); false when it cannot be read
 * (gone, another namespace). */
static bool holder_state(long pid, char *state, char *comm, size_t commsz, long *uid)
{
	char path[64], buf[512], *open, *close;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if (!(f = fopen(path, "re")))
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	open = strchr(buf, '(');
	close = strrchr(buf, ')');
	if (!open || !close || close < open || close[1] != ' ' || !close[2])
		return false;
	*state = close[2];
	/* the name is the process's to choose (PR_SET_NAME): escaped */
	*close = '\0';
	bg_escape(open + 1, 0, comm, commsz);
	/* the real uid (a setuid su's caller), from "Uid:\tREAL\tEFFECTIVE..." */
	*uid = -1;
	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	if ((f = fopen(path, "re")) != NULL) {
		char line[128];

		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "Uid: %ld", uid) == 1)
				break;
		fclose(f);
	}
	return true;
}

/* The first holder of the gate's lock that is stopped, from /proc/locks: its
 * pid (0: none stopped, or the list cannot be read). */
static long stopped_holder(const struct stat *gs, char *comm, size_t commsz, long *uid, char *mode,
			   size_t modesz)
{
	char line[256], kind[16], adv[16], rw[16], dev[64];
	unsigned maj, min;
	unsigned long long ino;
	long pid, found = 0;
	char state;
	FILE *f = fopen("/proc/locks", "re");

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		const char *p = strchr(line, ':');

		/* "1: FLOCK  ADVISORY  READ  1234 00:1f:5678 0 EOF"; a waiter's
		 * line has "->" after the number: not a holder. */
		if (!p || strstr(line, "->"))
			continue;
		if (sscanf(p + 1, "%15s %15s %15s %ld %63s", kind, adv, rw, &pid, dev) != 5 ||
		    strcmp(kind, "FLOCK") != 0 || pid <= 0 ||
		    sscanf(dev, "%x:%x:%llu", &maj, &min, &ino) != 3)
			continue;
		if (makedev(maj, min) != gs->st_dev || ino != (unsigned long long)gs->st_ino)
			continue;
		if (holder_state(pid, &state, comm, commsz, uid) &&
		    (state == 'T' || state == 't')) {
			snprintf(mode, modesz, "%s",
				 strcmp(rw, "READ") == 0 ? "shared" : "exclusively");
			found = pid;
		}
	}
	fclose(f);
	return found;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int bg_gate_lock_ex(int fd, const char *dir, bool nowait, const struct bg_logger *log)
{
	const struct timespec tick = {0, 20 * 1000 * 1000};
	double start = now_s(), next_look = start + 1, stopped_since = 0;
	bool said = false;
	struct stat gs;
	long pid = 0, uid = -1;
	char comm[64] = "", mode[16] = "";

	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK)
			return -errno;
		if (nowait)
			return -EBUSY;
		nanosleep(&tick, NULL);
		if (now_s() < next_look)
			continue;
		next_look = now_s() + 1;
		if (fstat(fd, &gs) != 0)
			continue;
		pid = stopped_holder(&gs, comm, sizeof(comm), &uid, mode, sizeof(mode));
		if (!pid) {
			stopped_since = 0;
			continue;
		}
		if (stopped_since == 0)
			stopped_since = now_s();
		if (!said) {
			bg_log(log, LOG_NOTICE,
			       "store %s: waiting for the writers' gate: pid %ld (%s, uid %ld) "
			       "holds it %s and is stopped",
			       dir, pid, comm, uid, mode);
			said = true;
		}
		if (now_s() - stopped_since >= BG_GATE_STOPPED_MAX) {
			bg_log(log, LOG_ERR,
			       "store %s: the writers' gate (writer.lock) is held %s by pid %ld "
			       "(%s, uid %ld), stopped for %d s: nothing written; resume it "
			       "(kill -CONT %ld) or end it, then try again",
			       dir, mode, pid, comm, uid, BG_GATE_STOPPED_MAX, pid);
			return -EBUSY;
		}
	}
}
