/* pamd_stack.h: a service's stack of one type as libpam runs it, and the lines
 * of ours that something before them can keep from deciding. */
#ifndef BG_PAMD_STACK_H
#define BG_PAMD_STACK_H

#include <stdbool.h>

#include "pamd.h"

struct bg_pamd_skip {
	const char *service;
	const char *file; /* the file holding our line (an included one, maybe) */
	unsigned lineno;
	char why[512];
};

/* For each line of ours in dir/service's `type` stack (includes inlined) for
 * which is_gating(argc, argv) says it must decide (sudo gating: action=deny),
 * calls report when it can be skipped or ignored: a line before it that ends
 * the stack (`sufficient`, `...=done`) or jumps over it on some return value,
 * or its own control ignoring a denial.  Returns the number reported, or a
 * negative errno (the service file unreadable). */
int bg_pamd_skippable(const char *dir, const char *service, const char *type,
		      bool (*is_gating)(int argc, const char *const *argv, void *arg),
		      void (*report)(const struct bg_pamd_skip *s, void *arg), void *arg);

/* 1 when dir/service's `type` stack (includes inlined) runs `module` (a base
 * name, "pam_pwhistory.so") before the first line running `before` (NULL: at
 * all), 0 when not, or a negative errno. */
int bg_pamd_has_module(const char *dir, const char *service, const char *type, const char *module,
		       const char *before);

/* For each password line of ours in dir/service that a failing module before
 * it can fall through to (its failure neither ends the stack nor reaches a
 * requisite pam_deny.so first), calls report.  Returns the number reported, or
 * a negative errno. */
int bg_pamd_fallthrough(const char *dir, const char *service,
			void (*report)(const struct bg_pamd_skip *s, void *arg), void *arg);

#endif
