"""Helpers of the deployment tests: a scratch database, a running
`fcindex serve` (or hubsim) with its output collected, deadline polls."""
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid

SKIP = 77


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def require_env(name):
    v = os.environ.get(name)
    if not v:
        if os.environ.get("CI") == "true":
            fail(name + " is not set")
        print("skipped: " + name + " is not set", file=sys.stderr)
        sys.exit(SKIP)
    return v


def wait_for(what, pred, timeout_s=30.0, step_s=0.05):
    """Polls pred until it returns something true; fails after timeout_s."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(step_s)
    fail("timed out after %.0f s waiting for %s" % (timeout_s, what))


class ScratchDb:
    """A database of its own on the test PostgreSQL, dropped at exit."""

    def __init__(self, tag):
        self.admin = require_env("DATABASE_URL")
        self.name = "fct_%s_%d_%s" % (tag, os.getpid(), uuid.uuid4().hex[:6])
        self._psql("CREATE DATABASE \"%s\"" % self.name)
        # The last path segment of a postgresql:// URL names the database.
        head, _, tail = self.admin.partition("://")
        hostpart, slash, rest = tail.partition("/")
        query = rest.partition("?")[2]
        self.url = "%s://%s/%s%s" % (head, hostpart, self.name, "?" + query if query else "")

    def _psql(self, sql):
        subprocess.run(["psql", "-qAtX", "-v", "ON_ERROR_STOP=1", self.admin, "-c", sql],
                       check=True, stdout=subprocess.DEVNULL)

    def drop(self):
        self._psql("DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)" % self.name)


class Proc:
    """A child process whose stdout and stderr are collected in the background."""

    def __init__(self, argv, env=None):
        self.argv = argv
        full_env = dict(os.environ)
        full_env.update(env or {})
        self.p = subprocess.Popen(argv, env=full_env, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self._out = []
        self._lock = threading.Lock()
        self._t = threading.Thread(target=self._read, daemon=True)
        self._t.start()

    def _read(self):
        for line in iter(self.p.stdout.readline, b""):
            with self._lock:
                self._out.append(line.decode("utf-8", "replace"))

    def output(self):
        with self._lock:
            return "".join(self._out)

    def signal(self, sig):
        if self.p.poll() is None:
            self.p.send_signal(sig)

    def stop(self, timeout_s=30):
        """SIGTERM, then the exit status (fails if it does not exit)."""
        self.signal(signal.SIGTERM)
        try:
            rc = self.p.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            fail("%s did not stop within %d s" % (self.argv[0], timeout_s))
        self._t.join(5)
        return rc


def fcindex_bin():
    return require_env("FCINDEX_BIN")


def migrate(db_url):
    r = subprocess.run([fcindex_bin(), "--set", "database.url=" + db_url, "migrate"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        fail("fcindex migrate: " + r.stdout + r.stderr)


def start_serve(db_url, args, env=None):
    """`fcindex serve ARGS` on a free loopback port; returns (proc, port)."""
    e = {"DATABASE_URL": db_url, "REDIS_URL": "", "FCINDEX_API_LISTEN": "127.0.0.1:0",
         "FCINDEX_AUTH_COOKIE_SECURE": "false"}
    e.update(env or {})
    proc = Proc([fcindex_bin()] + args, e)

    def port():
        if proc.p.poll() is not None:
            fail("fcindex serve exited with %s: %s" % (proc.p.returncode, proc.output()))
        m = re.search(r"api: listening on port (\d+)\n", proc.output())
        return int(m.group(1)) if m else None
    return proc, wait_for("fcindex serve to listen", port, 60)


def http_get(url, timeout_s=10):
    """(status, body) of a GET; HTTP errors are answers too."""
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")
