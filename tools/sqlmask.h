/* sqlmask.h: the password columns of an SQL dump, blanked before the text is
 * tokenised.  See sqlmask.c. */
#ifndef BG_SQLMASK_H
#define BG_SQLMASK_H

#include <stdbool.h>
#include <stddef.h>

struct bg_sqlmask;

struct bg_sqlmask *bg_sqlmask_new(void);
void bg_sqlmask_free(struct bg_sqlmask *m);

/* One line of a dump, or one piece of a long line (first: the piece starts its
 * line).  Returns s itself when the line is no part of a statement followed,
 * else a copy (n bytes, valid until the next call) with the password columns'
 * values blanked; *secrets is set to the number of blanked values that held
 * an '@' (of columns named as a password's), *guessed to those of columns
 * whose names are not known and whose values mostly hold no '@' (a table's
 * INSERTs without a column list or a CREATE TABLE).  NULL when out of memory. */
const char *bg_sqlmask_line(struct bg_sqlmask *m, const char *s, size_t n, bool first,
			    unsigned *secrets, unsigned *guessed);

#endif
