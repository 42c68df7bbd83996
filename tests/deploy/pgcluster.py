"""Scratch PostgreSQL clusters for the deployment tests: a primary and its
streaming replica (pg_basebackup -R), each on a port the kernel picks, in
a temporary directory; started, stopped and restarted by pg_ctl."""
import os
import shutil
import socket
import subprocess
import tempfile

from deploylib import fail

PG_BIN = os.environ.get("FCINDEX_SVC_PG_BIN", "/usr/lib/postgresql/15/bin")


def as_pg(args, **kw):
    """Runs a PostgreSQL tool; under root as the postgres user (PostgreSQL
    refuses root), as scripts/services does."""
    if os.getuid() == 0:
        args = ["runuser", "-u", "postgres", "--"] + args
    return subprocess.run(args, cwd="/", capture_output=True, text=True, **kw)


def free_port():
    """A port free now on 127.0.0.1 (the kernel's choice)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def psql(port, sql, db="postgres"):
    r = subprocess.run(["psql", "-qAtX", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p",
                        str(port), "-U", "postgres", db, "-c", sql], capture_output=True, text=True)
    if r.returncode != 0:
        fail("psql on %d: %s: %s" % (port, sql, r.stderr))
    return r.stdout.strip()


class Cluster:
    """One PostgreSQL data directory and the server on it."""

    def __init__(self, data, extra):
        self.data, self.extra, self.port, self.running = data, extra, None, False

    def start(self):
        """Starts it on its port (a new free one the first time, or when the
        port was taken between choosing and binding)."""
        port = self.port or free_port()
        for _ in range(5):
            opts = "-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off %s" % (
                port, os.path.dirname(self.data), self.extra)
            r = as_pg([PG_BIN + "/pg_ctl", "-D", self.data, "-l", self.data + ".log", "-w", "-t",
                       "60", "-o", opts, "start"])
            if r.returncode == 0:
                self.port, self.running = port, True
                return
            if "Address already in use" not in open(self.data + ".log").read():
                fail("cannot start PostgreSQL in %s: %s %s" % (self.data, r.stdout,
                                                               open(self.data + ".log").read()))
            port = free_port()
        fail("no free port for PostgreSQL")

    def stop(self, mode="fast"):
        if self.running:
            as_pg([PG_BIN + "/pg_ctl", "-D", self.data, "-m", mode, "-w", "stop"])
            self.running = False

    def url(self, db):
        return "postgresql://postgres@127.0.0.1:%d/%s" % (self.port, db)


class PrimaryAndReplica:
    """A primary (wal_level=replica) and a hot standby streaming from it,
    named by cluster_name; stop() removes both."""

    def __init__(self, replica_name):
        if not shutil.which("psql") or not os.path.exists(PG_BIN + "/pg_basebackup"):
            fail("PostgreSQL 15 client and server tools are needed (scripts/deps)")
        self.tmp = tempfile.mkdtemp(prefix="fct-replica-")
        os.chmod(self.tmp, 0o755)
        if os.getuid() == 0:
            shutil.chown(self.tmp, "postgres")
        pdata, rdata = os.path.join(self.tmp, "primary"), os.path.join(self.tmp, "replica")
        self.primary = Cluster(pdata, "-c wal_level=replica -c max_wal_senders=4")
        self.replica = Cluster(rdata, "-c hot_standby=on -c cluster_name=" + replica_name)

    def start(self):
        r = as_pg([PG_BIN + "/initdb", "-D", self.primary.data, "-U", "postgres", "-A", "trust",
                   "-E", "UTF8", "--locale=C.UTF-8"])
        if r.returncode != 0:
            fail("initdb: " + r.stderr)
        self.primary.start()
        r = as_pg([PG_BIN + "/pg_basebackup", "-h", "127.0.0.1", "-p", str(self.primary.port),
                   "-U", "postgres", "-D", self.replica.data, "-R", "-X", "stream", "-c", "fast"])
        if r.returncode != 0:
            fail("pg_basebackup: " + r.stderr)
        self.replica.start()
        if psql(self.replica.port, "SELECT pg_is_in_recovery()") != "t":
            fail("the replica is not in recovery")

    def stop(self):
        self.replica.stop("immediate")
        self.primary.stop("immediate")
        shutil.rmtree(self.tmp, ignore_errors=True)
