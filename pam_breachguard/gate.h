/* gate.h: a writer's wait for the store's writers' gate (writer.lock). */
#ifndef BG_GATE_H
#define BG_GATE_H

#include <stdbool.h>

#include "log.h"

/* Seconds a holder of the gate may stay stopped (SIGSTOP, a debugger) before a
 * waiting writer gives up. */
#define BG_GATE_STOPPED_MAX 10

/* Takes the gate (fd, the store's writer.lock) exclusively.  nowait: once,
 * -EBUSY when held.  Else it waits for the holders, but not for a holder that
 * stays stopped: the module holds the gate shared for a check, or exclusively
 * for its one record, inside su or sudo, which the calling user may stop
 * (kill -STOP) to hold up every import.  Such a holder is named in a LOG_ERR
 * line and -EBUSY returned, nothing written.  0 or a negative errno. */
int bg_gate_lock_ex(int fd, const char *dir, bool nowait, const struct bg_logger *log);

#endif
