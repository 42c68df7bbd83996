#include "cmd/progress.h"

#include <stdio.h>
#include <unistd.h>

#include "core/fctime.h"
#include "core/log.h"

void fc_progress_start(struct fc_progress *p, const char *what)
{
    p->what = what;
    p->tty = isatty(2);
    p->started_ms = p->last_ms = fc_now_mono_ms();
    p->drawn = false;
}

void fc_progress_update(struct fc_progress *p, const char *step, size_t done, size_t total)
{
    int64_t now = fc_now_mono_ms();
    if (now - p->last_ms < (p->tty ? 200 : 5000))
        return;
    p->last_ms = now;
    double secs = (double)(now - p->started_ms) / 1000.0;
    if (!p->tty) {
        log_info(p->what, "%s: %zu%s%.0zu rows, %.0f s", step, done, total ? " of " : "",
                 total, secs);
        return;
    }
    char bar[31] = "";
    if (total) {
        size_t fill = done >= total ? 30 : done * 30 / total;
        for (size_t i = 0; i < 30; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[30] = '\0';
        fprintf(stderr, "\r%s [%s] %s %zu/%zu rows, %.0f s   ", p->what, bar, step, done, total,
                secs);
    } else {
        fprintf(stderr, "\r%s: %s %zu rows, %.0f s   ", p->what, step, done, secs);
    }
    p->drawn = true;
}

void fc_progress_end(struct fc_progress *p, const char *summary)
{
    if (p->tty && p->drawn)
        fputc('\n', stderr);
    if (!p->tty)
        log_info(p->what, "%s", summary);
}
