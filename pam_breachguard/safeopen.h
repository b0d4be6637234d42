/* safeopen.h: opening files we must trust (config, key, aliases, store). */
#ifndef BG_SAFEOPEN_H
#define BG_SAFEOPEN_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

/* Checks a file or directory we rely on: not a symlink, owned by root (or, in a
 * test build compiled with BG_TEST_BUILD, by the effective user), not writable by
 * group or others.  Returns 0 or a negative errno; *why gets a short reason. */
int bg_check_trusted(const struct stat *st, const char **why);

/* Checks the directories above path, like OpenSSH's safe_path: each ancestor of its resolved
 * directory, up to "/", is owned by root (BG_TEST_BUILD: or the effective user) and not writable by
 * group or others unless sticky (/tmp: its other users cannot rename a root-owned entry).  Returns
 * 0 or a negative errno, with the offending directory in why. */
int bg_check_parents(const char *path, char *why, size_t whylen);
struct bg_logger;
/* bg_check_parents, a refusal logged at LOG_ERR as "<what><path>: <why>;
 * refusing to use it" (what: "key file ", "store ", or "" for the config). */
int bg_parents_ok(const char *what, const char *path, const struct bg_logger *log);

/* A scope in which bg_check_parents answers from memory for the directory it
 * last found safe: one PAM call reads its config, key and store, which usually
 * share a directory, and each walk up to "/" is a system call per ancestor.
 * The caller owns the struct (the module: on the entry point's stack) and ends
 * the scope before returning; outside a scope every call checks.  Nothing
 * outlives the call: the thread's pointer to the scope is NULL again after
 * bg_trust_scope_end. */
struct bg_trust_scope {
	bool ok;
	char dir[PATH_MAX]; /* the directory name as given, found safe */
};
void bg_trust_scope_begin(struct bg_trust_scope *s);
void bg_trust_scope_end(void);

/* Opens a regular file read-only with O_NOFOLLOW|O_CLOEXEC|O_NOCTTY, checks it
 * with bg_check_trusted (when trusted != 0) and against max_size.  Returns the fd
 * or a negative errno; *why names the cause for the caller's message. */
int bg_open_regular(const char *path, int trusted, off_t max_size, struct stat *st,
		    const char **why);

/* Reads a whole small file (bg_open_regular rules) into a NUL-terminated malloc'd
 * buffer.  Returns 0 or a negative errno. */
int bg_read_small_file(const char *path, int trusted, size_t max_size, char **buf, size_t *len,
		       const char **why);

/* Reads fd until cap bytes or its end (EINTR retried): the bytes read, or a
 * negative errno. */
ssize_t bg_read_full(int fd, void *buf, size_t cap);
/* bg_read_full that also stops once size bytes (the size fstat gave a regular
 * file) are in, when size < cap: a regular file's read comes back short only at
 * its end, so no second read() to see the 0 (one system call fewer). */
ssize_t bg_read_sized(int fd, void *buf, size_t cap, size_t size);
/* Writes all len bytes (EINTR retried): 0 or a negative errno (-EIO, errno
 * EIO, for a write that wrote nothing). */
int bg_write_full(int fd, const void *buf, size_t len);

#endif
