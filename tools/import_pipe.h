/* import_pipe.h: candidate addresses in, each file's unique keyed digests out.
 * Worker threads normalise, digest and sort while the reader parses; memory is
 * bounded (full runs are spooled to an unlinked temporary file), and the merge
 * hands the runs back one unique digest at a time, in digest order. */
#ifndef BG_IMPORT_PIPE_H
#define BG_IMPORT_PIPE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "digest.h"
#include "err.h"
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
	/* addresses (duplicates among them) in a configured domain
	 * (bg_pipe_domains): a list none of whose addresses is in one
	 * matches an account only through an alias, a GECOS field or a user
	 * name that is an address, which the report says */
	uint64_t in_domains;
	size_t n_shown; /* the first BG_SHOWN_INVALID by line number */
	struct bg_invalid shown[BG_SHOWN_INVALID];
	/* The pipe's: this file's runs, and the repeats its merge found across
	 * them (part of duplicates, taken back when the merge starts over). */
	size_t run_first, run_count;
	uint64_t cross_dups;
};

/* Counts an invalid record and keeps it if among the first by line number. */
void bg_invalid_note(struct bg_file_stats *f, unsigned long line, const char *why, const char *text,
		     size_t len);

struct bg_pipe;

/* Starts one worker per core (at most 4), each with its own HMAC context.
 * 0 or a negative errno (e says why). */
int bg_pipe_new(struct bg_pipe **out, const struct bg_norm_opts *norm,
		const unsigned char key[BG_KEY_LEN], struct bg_err *e);
void bg_pipe_free(struct bg_pipe *p);
/* Before the first file: the configuration's domains (a user's identity
 * USER@DOMAIN, identity.c), each normalised as an address's domain is; from
 * then on the addresses in one of them are counted (in_domains).  At most
 * BG_PIPE_DOMAINS bytes of them: four times a configuration's list
 * (BG_LIST_MAX), as an IDN domain's ACE form is longer than its UTF-8 one;
 * 0 or a negative errno. */
#define BG_PIPE_DOMAINS 8192
struct bg_list;
int bg_pipe_domains(struct bg_pipe *p, const struct bg_list *domains);
/* Whether the normalised address norm (n bytes) is in one of them. */
bool bg_pipe_in_domains(const struct bg_pipe *p, const char *norm, size_t n);
/* Before the first bg_pipe_add: at most n digests per sorted run (1 to the
 * default, 1M per worker), so that a test can make the merge meet many runs. */
void bg_pipe_set_run_cap(struct bg_pipe *p, size_t n);
/* A new file: what it yields from now on is counted in f (which must live as
 * long as the pipe).  0 or -ENOMEM (bg_pipe_err). */
int bg_pipe_begin_file(struct bg_pipe *p, struct bg_file_stats *f);
/* One candidate address (the reader's sink).  0 or a negative errno. */
int bg_pipe_add(struct bg_pipe *p, const char *addr, size_t len, unsigned long line);
/* Drains the worker and closes the file's last run; `last`: no file follows,
 * so that run may stay in memory.  0 or a negative errno (bg_pipe_err). */
int bg_pipe_end_file(struct bg_pipe *p, bool last);
/* The pipe's first failure (code 0: none): a full spool disk, no memory. */
const struct bg_err *bg_pipe_err(const struct bg_pipe *p);
uint64_t bg_pipe_total_digests(const struct bg_pipe *p);

/* The merge, after the last file: each file's digests once, in digest order,
 * file after file.  Returns 1 with digest set and *file the stats it belongs
 * to, 0 when every file is done, or a negative errno (bg_pipe_err).  A digest
 * repeated across a file's runs is counted in its duplicates (the repeats
 * within a run were counted as it was sorted). */
int bg_pipe_next(struct bg_pipe *p, unsigned char digest[BG_DIGEST_LEN],
		 struct bg_file_stats **file);
/* Starts the merge over from the first file (a write redone after a full map):
 * each file's cross-run duplicates and the counts of its digests' fate (fresh,
 * known) go back to zero, to be counted again. */
void bg_pipe_rewind(struct bg_pipe *p);

#endif
