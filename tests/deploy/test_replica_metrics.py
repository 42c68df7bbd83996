"""A real streaming replica (pg_basebackup -R) of a scratch PostgreSQL
primary: the API's /metrics reports its replay lag as the primary sees it
(fcindex_db_replica_lag_seconds / _bytes, labelled with the replica's
name), the lag in bytes grows while the replica's replay is paused and the
primary writes, returns to 0 once replay resumes, and the replica's series
disappear when it stops."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from deploylib import fail, http_get, migrate, start_serve, wait_for  # noqa: E402
from pgcluster import PrimaryAndReplica, psql  # noqa: E402

REPLICA = "fctreplica"


def replica_series(text):
    """{metric: value} of the replica's lag series in a /metrics text."""
    out = {}
    for m in re.finditer(r'^(fcindex_db_replica_lag_(?:seconds|bytes))\{replica="([^"]*)"\} (\S+)$',
                         text, re.M):
        if m.group(2) == REPLICA:
            out[m.group(1)] = float(m.group(3))
    return out


def main():
    pg = PrimaryAndReplica(REPLICA)
    serve = None
    try:
        pg.start()
        pport, rport = pg.primary.port, pg.replica.port
        psql(pport, "CREATE DATABASE fcindex")
        db_url = pg.primary.url("fcindex")
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
        pg.replica.stop()
        wait_for("the stopped replica's series to disappear",
                 lambda: http_get(metrics)[0] == 200 and not series(), 60, 0.2)
        print("ok")
    finally:
        if serve:
            serve.stop()
        pg.stop()


if __name__ == "__main__":
    main()
