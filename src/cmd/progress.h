/* Progress of a long command: a bar (or a running count when the total is
 * unknown) rewritten in place on a terminal, a log line at most every 5 s
 * otherwise, so logs stay readable. Written to standard error. */
#ifndef FC_CMD_PROGRESS_H
#define FC_CMD_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fc_progress {
    const char *what; /* "export", "import" */
    bool tty;
    int64_t started_ms, last_ms;
    bool drawn;
};

void fc_progress_start(struct fc_progress *p, const char *what);
/* done of total (total 0: unknown) for the named step. */
void fc_progress_update(struct fc_progress *p, const char *step, size_t done, size_t total);
/* Ends the bar's line; logs the final line off a terminal. */
void fc_progress_end(struct fc_progress *p, const char *summary);

#endif
