/* import_pipe.h: candidate addresses in, sorted runs of keyed digests out.
 * Worker threads normalise, digest and sort while the reader parses; memory is
 * bounded (full runs are spooled to an unlinked temporary file). */
#ifndef BG_IMPORT_PIPE_H
#define BG_IMPORT_PIPE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "digest.h"
#include "identity.h"

#define BG_SHOWN_INVALID 20

struct bg_invalid {
	unsigned long line;
	char why[320]; /* in full: an attachment's name and type, a member's refusal */
	char text[72];
};

struct bg_file_stats {
	uint64_t records, addresses, invalid, duplicates, fresh, known;
	uint64_t defanged; /* addresses written defanged and decoded (addrtok.c) */
	size_t n_shown;	   /* the first BG_SHOWN_INVALID by line number */
	struct bg_invalid shown[BG_SHOWN_INVALID];
	size_t run_first, run_count;
};

/* Counts an invalid record and keeps it if among the first by line number. */
void bg_invalid_note(struct bg_file_stats *f, unsigned long line, const char *why, const char *text,
		     size_t len);

struct bg_pipe;

/* Starts one worker per core (at most 4), each with its own HMAC context. */
int bg_pipe_new(struct bg_pipe **out, const struct bg_norm_opts *norm,
		const unsigned char key[BG_KEY_LEN]);
void bg_pipe_free(struct bg_pipe *p);
/* Runs produced from now on are counted in f. */
void bg_pipe_begin_file(struct bg_pipe *p, struct bg_file_stats *f);
/* One candidate address (the reader's sink).  0 or a negative errno. */
int bg_pipe_add(struct bg_pipe *p, const char *addr, size_t len, unsigned long line);
/* Drains the worker and closes the file's last run; `last`: no file follows,
 * so that run may stay in memory.  0 or a negative errno (bg_pipe_error()). */
int bg_pipe_end_file(struct bg_pipe *p, bool last);
const char *bg_pipe_error(const struct bg_pipe *p);

/* Reading runs back, for the merge. */
uint64_t bg_pipe_run_len(const struct bg_pipe *p, size_t run);
/* Copies n digests of run from position pos into buf.  0 or -EIO. */
int bg_pipe_run_read(const struct bg_pipe *p, size_t run, uint64_t pos, unsigned char *buf,
		     size_t n);
uint64_t bg_pipe_total_digests(const struct bg_pipe *p);

#endif
