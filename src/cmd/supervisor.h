/* Talking to the service manager that started this process (systemd units
 * with Type=notify, deploy/systemd/): readiness, watchdog keep-alives, and
 * reload and stop notices. Every call does nothing when NOTIFY_SOCKET is not
 * set, that is when no service manager listens. */
#ifndef FC_CMD_SUPERVISOR_H
#define FC_CMD_SUPERVISOR_H

/* READY=1, with a one-line STATUS= shown by `systemctl status`. */
void fc_supervisor_ready(const char *status);
/* RELOADING=1 before re-reading the configuration (READY=1 follows). */
void fc_supervisor_reloading(void);
/* STOPPING=1 when a clean stop begins. */
void fc_supervisor_stopping(void);
/* WATCHDOG=1 when the manager asked for keep-alives (WatchdogSec=, which
 * sets WATCHDOG_USEC for this process); called about once a second, so
 * WatchdogSec must be 3 s or more. */
void fc_supervisor_watchdog(void);

#endif
