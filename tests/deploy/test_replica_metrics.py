"""A real streaming replica (pg_basebackup -R) of a scratch PostgreSQL
primary: the API's /metrics reports its replay lag as the primary sees it
(fcindex_db_replica_lag_seconds / _bytes, labelled with the replica's
name), the lag in bytes grows while the replica's replay is paused and the
primary writes, returns to 0 once replay resumes, and the replica's series
disappear when it stops."""
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from deploylib import fail, http_get, migrate, start_serve, wait_for  # noqa: E402

PG_BIN = os.environ.get("FCINDEX_SVC_PG_BIN", "/usr/lib/postgresql/15/bin")
REPLICA = "fctreplica"


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


def start_cluster(data, port, extra):
    opts = "-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off %s" % (
        port, os.path.dirname(data), extra)
    for _ in range(5):  # a port taken between choosing and binding: choose again
        r = as_pg([PG_BIN + "/pg_ctl", "-D", data, "-l", data + ".log", "-w", "-t", "60",
                   "-o", opts, "start"])
        if r.returncode == 0:
            return port
        if "Address already in use" not in open(data + ".log").read():
            fail("cannot start PostgreSQL in %s: %s %s" % (data, r.stdout, open(data + ".log").read()))
        port = free_port()
        opts = re.sub(r"-p \d+", "-p %d" % port, opts)
    fail("no free port for PostgreSQL")


def psql(port, sql, db="postgres"):
    r = subprocess.run(["psql", "-qAtX", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p",
                        str(port), "-U", "postgres", db, "-c", sql], capture_output=True, text=True)
    if r.returncode != 0:
        fail("psql on %d: %s: %s" % (port, sql, r.stderr))
    return r.stdout.strip()


def replica_series(text):
    """{metric: value} of the replica's lag series in a /metrics text."""
    out = {}
    for m in re.finditer(r'^(fcindex_db_replica_lag_(?:seconds|bytes))\{replica="([^"]*)"\} (\S+)$',
                         text, re.M):
        if m.group(2) == REPLICA:
            out[m.group(1)] = float(m.group(3))
    return out


def main():
    if not shutil.which("psql") or not os.path.exists(PG_BIN + "/pg_basebackup"):
        fail("PostgreSQL 15 client and server tools are needed (scripts/deps)")
    tmp = tempfile.mkdtemp(prefix="fct-replica-")
    os.chmod(tmp, 0o755)
    if os.getuid() == 0:
        shutil.chown(tmp, "postgres")
    primary, replica = os.path.join(tmp, "primary"), os.path.join(tmp, "replica")
    started = []
    serve = None
    try:
        r = as_pg([PG_BIN + "/initdb", "-D", primary, "-U", "postgres", "-A", "trust", "-E", "UTF8",
                   "--locale=C.UTF-8"])
        if r.returncode != 0:
            fail("initdb: " + r.stderr)
        pport = start_cluster(primary, free_port(), "-c wal_level=replica -c max_wal_senders=4")
        started.append(primary)
        r = as_pg([PG_BIN + "/pg_basebackup", "-h", "127.0.0.1", "-p", str(pport), "-U", "postgres",
                   "-D", replica, "-R", "-X", "stream", "-c", "fast"])
        if r.returncode != 0:
            fail("pg_basebackup: " + r.stderr)
        rport = start_cluster(replica, free_port(), "-c hot_standby=on -c cluster_name=" + REPLICA)
        started.append(replica)
        if psql(rport, "SELECT pg_is_in_recovery()") != "t":
            fail("the replica is not in recovery")

        psql(pport, "CREATE DATABASE fcindex")
        db_url = "postgresql://postgres@127.0.0.1:%d/fcindex" % pport
        migrate(db_url)
        serve, port = start_serve(db_url, ["serve", "--role=api"])
        metrics = "http://127.0.0.1:%d/metrics" % port

        def series():
            status, text = http_get(metrics)
            return replica_series(text) if status == 200 else {}

        # The primary sees the replica streaming: both series, caught up.
        wait_for("the replica's lag series at 0 bytes",
                 lambda: series().get("fcindex_db_replica_lag_bytes") == 0.0
                 and "fcindex_db_replica_lag_seconds" in series(), 60, 0.2)

        # Replay paused while the primary writes: the replica falls behind.
        psql(rport, "SELECT pg_wal_replay_pause()")
        psql(pport, "CREATE TABLE filler AS SELECT g, repeat('x', 200) AS pad "
                    "FROM generate_series(1, 20000) g", "fcindex")
        wait_for("the replay lag in bytes to grow",
                 lambda: series().get("fcindex_db_replica_lag_bytes", 0) > 1000000, 60, 0.2)
        lagging = series()
        if lagging.get("fcindex_db_replica_lag_seconds", -1) < 0:
            fail("no lag in seconds while behind: %s" % lagging)

        # Replay resumes: caught up again.
        psql(rport, "SELECT pg_wal_replay_resume()")
        wait_for("the replica to catch up (0 bytes behind)",
                 lambda: series().get("fcindex_db_replica_lag_bytes") == 0.0, 60, 0.2)

        # The replica stops: its series go away, /metrics still answers.
        as_pg([PG_BIN + "/pg_ctl", "-D", replica, "-m", "fast", "-w", "stop"])
        started.remove(replica)
        wait_for("the stopped replica's series to disappear",
                 lambda: http_get(metrics)[0] == 200 and not series(), 60, 0.2)
        print("ok")
    finally:
        if serve:
            serve.stop()
        for d in reversed(started):
            as_pg([PG_BIN + "/pg_ctl", "-D", d, "-m", "immediate", "-w", "stop"])
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
