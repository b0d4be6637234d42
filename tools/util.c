/* util.c: small helpers of the admin tool: JSON strings, dates, usage lines. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "escape.h"
#include "unicode.h"

void bg_json_str(FILE *f, const char *s)
{
	static const char plain[] = "\"\\\n\r\t", letter[] = "\"\\nrt";

	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		const char *e = strchr(plain, *p);
		size_t n;

		if (e) {
			fputc('\\', f);
			fputc(letter[e - plain], f);
		} else if (*p < 0x20 || *p == 0x7f) {
			fprintf(f, "\\u%04x", *p);
		} else if (*p < 0x80) {
			fputc(*p, f);
		} else if ((n = bg_utf8_seq(p, strlen((const char *)p))) == 0) {
			/* JSON is UTF-8: a byte that starts no valid sequence is U+FFFD. */
			fputs("\\ufffd", f);
		} else {
			/* C1, line separators, bidi controls: valid JSON raw, but a
			 * report shown in a terminal or a browser must not obey them. */
			if (bg_unsafe_codepoint(bg_utf8_cp(p, n)))
				fprintf(f, "\\u%04x", (unsigned)bg_utf8_cp(p, n));
			else
				fwrite(p, 1, n, f);
			p += n - 1;
		}
	}
	fputc('"', f);
}

void bg_json_advisory_head(FILE *f, unsigned id, const char *name, long long date)
{
	char day[16];

	if (id)
		fprintf(f, "{\"id\": %u, \"name\": ", id);
	else
		fputs("{\"id\": null, \"name\": ", f);
	bg_json_str(f, name);
	fputs(", \"date\": ", f);
	bg_day(date, day, sizeof(day));
	if (day[0])
		bg_json_str(f, day);
	else
		fputs("null", f);
}

int bg_parse_day(const char *s, long long *out)
{
	struct tm tm;
	char back[16];
	time_t t;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -EINVAL;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return -EINVAL;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (int)strtol(s, NULL, 10) - 1900;
	tm.tm_mon = (int)strtol(s + 5, NULL, 10) - 1;
	tm.tm_mday = (int)strtol(s + 8, NULL, 10);
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -EINVAL;
	/* Round trip: 2026-02-31 would normalise to March; refuse it. */
	bg_day((long long)t, back, sizeof(back));
	if (strcmp(back, s) != 0)
		return -ERANGE;
	*out = (long long)t;
	return 0;
}

int bg_usage(const char *cmd, const char *synopsis)
{
	fprintf(stderr, "usage: breachguard [--config FILE] %s %s\n", cmd, synopsis);
	return BG_EXIT_USAGE;
}

int bg_out_path_ok(const char *cmd, const char *path)
{
	struct stat st;

	return bg_out_path_stat(cmd, path, &st);
}

int bg_out_path_stat(const char *cmd, const char *path, struct stat *st)
{
	const char *what;

	if (lstat(path, st) != 0) {
		int e = errno;

		memset(st, 0, sizeof(*st));
		if (e == ENOENT)
			return 0;
		fprintf(stderr, "breachguard: %s: %s: %s\n", cmd, path, strerror(e));
		return -e;
	}
	if (S_ISREG(st->st_mode))
		return 0;
	what = S_ISLNK(st->st_mode)			      ? "a symbolic link"
	       : S_ISDIR(st->st_mode)			      ? "a directory"
	       : S_ISFIFO(st->st_mode)			      ? "a fifo"
	       : S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode) ? "a device"
							      : "not a regular file";
	fprintf(stderr,
		"breachguard: %s: %s is %s: the output is written beside it and renamed over "
		"it, which would replace it; give a new path or a regular file\n",
		cmd, path, what);
	return -EEXIST;
}

int bg_out_mode(int fd, const struct stat *old)
{
	struct stat now;
	mode_t mode;

	if (!old->st_mode) {
		mode_t mask = umask(0);

		umask(mask);
		return fchmod(fd, 0644 & ~mask) == 0 ? 0 : -errno;
	}
	if (fstat(fd, &now) != 0)
		return -errno;
	mode = old->st_mode & 0666;
	/* Only root may give a file away; a user may give it a group of theirs. */
	if ((now.st_uid != old->st_uid || now.st_gid != old->st_gid) &&
	    fchown(fd, old->st_uid, old->st_gid) != 0 &&
	    (now.st_gid == old->st_gid || fchown(fd, (uid_t)-1, old->st_gid) != 0))
		mode &= (mode_t)~070;
	return fchmod(fd, mode) == 0 ? 0 : -errno;
}

bool bg_name_all_digits(const char *name)
{
	if (!*name)
		return false;
	for (; *name; name++)
		if (*name < '0' || *name > '9')
			return false;
	return true;
}

int bg_stdout_done(const char *cmd, int rc)
{
	/* Output a script keeps (scan --json > host.json) must not look
	 * complete when the disk was full: a write error fails the command. */
	errno = 0;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "breachguard: %s: writing the output: %s\n", cmd,
			errno ? strerror(errno) : "write error");
		if (rc == BG_EXIT_OK)
			rc = BG_EXIT_FAIL;
	}
	return rc;
}
