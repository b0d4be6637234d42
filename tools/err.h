/* err.h: the one error type of the tool's input layer, readers, archive layer
 * and import pipe.  An error is a negative errno plus one message that names
 * the file (and the line, where there is one) and the cause:
 * "notice.zip:list.csv, line 12: invalid UTF-8".  The first error set wins
 * (sticky): later failures caused by the first do not overwrite its message. */
#ifndef BG_ERR_H
#define BG_ERR_H

#include <stdbool.h>

#define BG_ERR_MSG 512

struct bg_err {
	int code; /* 0, or the negative errno of the first error */
	char msg[BG_ERR_MSG];
};

#define BG_ERR_INIT                                                                                \
	{                                                                                          \
		.code = 0, .msg = ""                                                               \
	}

static inline void bg_err_clear(struct bg_err *e)
{
	e->code = 0;
	e->msg[0] = '\0';
}

static inline bool bg_err_isset(const struct bg_err *e)
{
	return e->code != 0;
}

/* Records code (a negative errno; 0 or a positive value becomes -EIO) with the
 * message, unless an error is already set.  Returns the error now held, so
 * "return bg_err_set(e, -ENOMEM, "%s: out of memory", name);" reads straight. */
int bg_err_set(struct bg_err *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same, the message being "<cause>: strerror(-code)" ("list.csv: Permission denied"). */
int bg_err_errno(struct bg_err *e, int code, const char *what);
/* Copies src into dst (if dst holds none yet); returns dst->code. */
int bg_err_copy(struct bg_err *dst, const struct bg_err *src);

#endif
