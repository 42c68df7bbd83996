"""`fcindex serve` under a service manager: it sends READY=1 to NOTIFY_SOCKET
once the API answers, WATCHDOG=1 keep-alives when WATCHDOG_USEC asks for them,
RELOADING=1 / READY=1 around a SIGHUP reload that applies log.level (and
refuses an invalid file, still running), and STOPPING=1 on SIGTERM."""
import os
import signal
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from deploylib import (ScratchDb, fail, http_get, migrate, start_serve,  # noqa: E402
                       wait_for)


class NotifySocket:
    """The service manager's end: a datagram socket collecting states."""

    def __init__(self, directory):
        self.path = os.path.join(directory, "notify.sock")
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.s.bind(self.path)
        self.s.setblocking(False)
        self.messages = []  # (monotonic time, list of KEY=VALUE)

    def drain(self):
        while True:
            try:
                data = self.s.recv(4096)
            except BlockingIOError:
                return
            self.messages.append((time.monotonic(), data.decode().split("\n")))

    def count(self, item):
        self.drain()
        return sum(1 for _, m in self.messages if item in m)

    def wait(self, item, n=1, timeout_s=30):
        wait_for("%d x %s on NOTIFY_SOCKET" % (n, item), lambda: self.count(item) >= n,
                 timeout_s)


def main():
    db = ScratchDb("notify")
    tmp = tempfile.TemporaryDirectory()
    proc = None
    try:
        migrate(db.url)
        conf = os.path.join(tmp.name, "fcindex.conf")
        with open(conf, "w") as f:
            f.write("[log]\nlevel = error\n")
        ns = NotifySocket(tmp.name)
        proc, port = start_serve(db.url, ["--config", conf, "serve", "--role=api"],
                                 {"NOTIFY_SOCKET": ns.path, "WATCHDOG_USEC": "3000000"})

        # Ready only once the API answers: READY=1 arrives, and by then
        # /healthz must already be served.
        ns.wait("READY=1")
        status, _ = http_get("http://127.0.0.1:%d/healthz" % port)
        if status != 200:
            fail("/healthz answered %d after READY=1" % status)
        if ns.count("READY=1") != 1:
            fail("READY=1 sent %d times before any reload" % ns.count("READY=1"))

        # Keep-alives about once a second, well within WatchdogSec=3s.
        ns.wait("WATCHDOG=1", 3, timeout_s=10)
        pings = [t for t, m in ns.messages if "WATCHDOG=1" in m]
        gaps = [b - a for a, b in zip(pings, pings[1:])]
        if max(gaps) > 1.5:
            fail("watchdog keep-alives %.2f s apart (WatchdogSec is 3 s)" % max(gaps))

        # SIGHUP with log.level raised to info: the reload is announced, and
        # its info-level line appears only if the new level took effect.
        with open(conf, "w") as f:
            f.write("[log]\nlevel = info\n")
        proc.signal(signal.SIGHUP)
        ns.wait("RELOADING=1")
        ns.wait("READY=1", 2)
        wait_for("the reload logged at info level",
                 lambda: "configuration reloaded: log.level=info" in proc.output(), 10)

        # An invalid file on SIGHUP: refused, logged, the process keeps serving.
        with open(conf, "w") as f:
            f.write("[log]\nlevel = loud\n")
        proc.signal(signal.SIGHUP)
        ns.wait("RELOADING=1", 2)
        wait_for("the refused reload logged",
                 lambda: "reload refused, the running configuration stays" in proc.output(), 10)
        status, _ = http_get("http://127.0.0.1:%d/healthz" % port)
        if status != 200 or proc.p.poll() is not None:
            fail("serve stopped serving after an invalid reload")

        rc = proc.stop()
        proc = None
        if rc != 0:
            fail("serve exited with %d on SIGTERM" % rc)
        if ns.count("STOPPING=1") != 1:
            fail("STOPPING=1 was not sent on SIGTERM")
        print("ok")
    finally:
        if proc:
            proc.stop()
        db.drop()
        tmp.cleanup()


if __name__ == "__main__":
    main()
