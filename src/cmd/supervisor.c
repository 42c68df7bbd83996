#include "cmd/supervisor.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <systemd/sd-daemon.h>

#include "core/log.h"

static void notify(const char *state)
{
    if (!getenv("NOTIFY_SOCKET"))
        return;
    int rc = sd_notify(0, state);
    if (rc < 0)
        log_warn("supervisor", "cannot notify the service manager (%d)", -rc);
}

void fc_supervisor_ready(const char *status)
{
    char msg[256];
    snprintf(msg, sizeof(msg), "READY=1\nSTATUS=%s", status ? status : "running");
    notify(msg);
}

void fc_supervisor_reloading(void)
{
    notify("RELOADING=1");
}

void fc_supervisor_stopping(void)
{
    notify("STOPPING=1");
}

void fc_supervisor_watchdog(void)
{
    uint64_t usec = 0;
    /* > 0 only when WATCHDOG_USEC is set (and WATCHDOG_PID, if set, is us). */
    if (getenv("NOTIFY_SOCKET") && sd_watchdog_enabled(0, &usec) > 0)
        notify("WATCHDOG=1");
}
