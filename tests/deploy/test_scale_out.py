"""The scaled-out deployment of docs/operations.md on one machine: a
PostgreSQL primary and its streaming replica (pg_basebackup -R), Redis,
three `serve --role=indexer` and two `serve --role=api` processes over the
simulator's live stream, the API processes reading from the replica
(database.read_url).

- The stream follower is SIGKILLed: another indexer takes over within 5 s.
- Public reads go to the replica. The replica stops: the API keeps
  answering and the reads are served by the primary (a request right after
  the stop included); it starts again: reads go back to it.
- A statement that fails on the replica (its tables out of its search path)
  is repeated on the primary: every request still answers.
- Its replay is paused while the primary writes: beyond
  database.max_replica_lag_ms reads go to the primary, and back once it
  has caught up.
- At the end the primary equals `hubsim truth --until-event` (the last
  block of the network), and once the replica has replayed everything, an
  API process reading from the replica answers every public route exactly
  as one reading from the primary."""
import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from deploylib import (Proc, fail, fcindex_bin, http_get, migrate, require_env,  # noqa: E402
                       start_serve, wait_for)
from pgcluster import PrimaryAndReplica, psql  # noqa: E402

NETWORK = ["--seed", "7", "--fids", "80", "--shards", "2", "--events-per-sec", "50",
           "--tick-ms", "200"]
LIVE_TICKS = 100           # 20 s of live stream, then a static network
SIM_H0 = 7000000           # Snapchain height of tick 0 (tools/hubsim/model.h)
MAX_LAG_MS = 3000
FOLLOWS = "this process follows the event stream"


def start_hubsim():
    proc = Proc([require_env("HUBSIM_BIN"), "--port", "0", "--live-ticks", str(LIVE_TICKS)]
                + NETWORK)
    m = wait_for("hubsim to listen",
                 lambda: re.search(r"listening on http://[^:]+:(\d+)", proc.output()), 30)
    return proc, int(m.group(1))


def sim_tick(sim_port):
    m = re.search(r'"head_tick":(\d+)', http_get("http://127.0.0.1:%d/_sim/stats" % sim_port)[1])
    if not m:
        fail("no head_tick in the simulator's stats")
    return int(m.group(1))


def metric(port, name):
    status, text = http_get("http://127.0.0.1:%d/metrics" % port)
    if status != 200:
        fail("/metrics on %d: %d" % (port, status))
    m = re.search(r"^%s (\S+)$" % re.escape(name), text, re.M)
    return float(m.group(1)) if m else None


def reads(port, database):
    return metric(port, 'fcindex_db_public_reads_total{database="%s"}' % database) or 0


class Unique:
    """Public requests whose cache keys were never asked before (each gets
    its own page size), so every one reads the database."""

    def __init__(self):
        self.limit = 1

    def get(self, port, path="/v1/users/2/casts"):
        self.limit = self.limit % 100 + 1
        status, body = http_get("http://127.0.0.1:%d%s?limit=%d&cursor=%d:%s" % (
            port, path, self.limit, int(time.time() * 1e6) + self.limit, "ff" * 20))
        if status != 200:
            fail("GET %s on %d: %d %s" % (path, port, status, body[:300]))
        return body


def served_by(port, database, uniq, n=5):
    """n new public reads on port are served by database, none by the other."""
    other = "primary" if database == "replica" else "replica"
    before, before_other = reads(port, database), reads(port, other)
    for _ in range(n):
        uniq.get(port)
    got, got_other = reads(port, database) - before, reads(port, other) - before_other
    if got < n or got_other != 0:
        fail("%d reads on port %d: %d from the %s, %d from the %s" % (
            n, port, got, database, got_other, other))


def repeated_on_primary(port, uniq, n=5):
    """n new public reads on port each fail on the replica and are repeated
    on the primary."""
    before = reads(port, "replica"), reads(port, "primary")
    for _ in range(n):
        uniq.get(port)
    got = reads(port, "replica") - before[0], reads(port, "primary") - before[1]
    if got != (n, n):
        fail("%d reads on port %d: %d tried on the replica, %d on the primary" % (
            n, port, got[0], got[1]))


def served_by_quietly(port, uniq):
    """Whether one new public read on port was served by the replica alone."""
    before = reads(port, "replica"), reads(port, "primary")
    uniq.get(port)
    return (reads(port, "replica") - before[0], reads(port, "primary") - before[1]) == (1, 0)


def follower_of(indexers):
    """The indexers that said they follow the stream (after their last start)."""
    return [ix for ix in indexers if ix.p.poll() is None and FOLLOWS in ix.output()]


def public_paths(primary_url):
    """Public routes over what the index holds: profiles, lists, feeds, casts,
    threads, search and trending."""
    def values(sql):
        r = subprocess.run(["psql", "-qAtX", primary_url, "-c", sql], capture_output=True,
                           text=True, check=True)
        return r.stdout.split()
    fids = values("SELECT fid FROM targets ORDER BY fid LIMIT 6")
    hashes = values("SELECT '0x' || encode(hash, 'hex') FROM casts WHERE deleted_at IS NULL "
                    "AND text IS NOT NULL ORDER BY hash LIMIT 4")
    channels = values("SELECT DISTINCT parent_url FROM casts WHERE parent_url IS NOT NULL "
                      "ORDER BY 1 LIMIT 2")
    paths = ["/v1/trending", "/v1/search/casts?q=the", "/v1/search/users?q=a",
             "/v1/search?q=a"]
    paths += ["/v1/channels/feed?parent_url=" + urllib.parse.quote(c, safe="") for c in channels]
    for f in fids:
        paths += ["/v1/users/%s" % f, "/v1/users/%s/casts" % f, "/v1/users/%s/replies" % f,
                  "/v1/users/%s/likes" % f, "/v1/users/%s/followers" % f,
                  "/v1/users/%s/following" % f, "/v1/feed/%s" % f]
    for h in hashes:
        paths += ["/v1/casts/%s" % h, "/v1/casts/%s/replies" % h, "/v1/casts/%s/thread" % h]
    return paths


def main():
    redis_url = require_env("REDIS_URL")
    require_env("TRUTH_CHECK_BIN")
    pg = PrimaryAndReplica("fctreads")
    procs, sim = [], None
    try:
        pg.start()
        psql(pg.primary.port, "CREATE DATABASE fcindex")
        db_url, read_url = pg.primary.url("fcindex"), pg.replica.url("fcindex")
        migrate(db_url)
        sim, sim_port = start_hubsim()
        prefix = "fctest:scaleout:%d:%s:" % (os.getpid(), uuid.uuid4().hex[:6])
        env = {"DATABASE_URL": db_url, "FCINDEX_DATABASE_READ_URL": read_url,
               "FCINDEX_DATABASE_MAX_REPLICA_LAG_MS": str(MAX_LAG_MS),
               "REDIS_URL": redis_url, "FCINDEX_REDIS_PREFIX": prefix,
               "FCINDEX_HUBS_URLS": "http://127.0.0.1:%d" % sim_port,
               "FCINDEX_STRATEGY_ROOT_TARGETS": "1,2", "FCINDEX_STRATEGY_TARGET_CLIENTS": "9152",
               "FCINDEX_CONCURRENCY_JOB_LEASE_S": "2", "FCINDEX_LOG_LEVEL": "info",
               "FCINDEX_API_RATE_PUBLIC_PER_MIN": "0", "FCINDEX_API_RATE_SEARCH_PER_MIN": "0",
               "FCINDEX_AUTH_ADMIN_PASSWORD": "scale out test password",
               "FCINDEX_AUTH_JWT_SECRET": "scale-out-test-secret-0123456789abcdef"}
        indexers = []
        for _ in range(3):
            ix = Proc([fcindex_bin(), "serve", "--role=indexer"], env)
            procs.append(ix)
            indexers.append(ix)
        apis = []
        for _ in range(2):
            api, port = start_serve(db_url, ["serve", "--role=api"], env)
            procs.append(api)
            apis.append(port)
        uniq = Unique()
        started = time.monotonic()

        # One indexer follows the stream; killed, another takes over within 5 s.
        leaders = wait_for("an indexer to follow the stream", lambda: follower_of(indexers), 60)
        if len(leaders) != 1:
            fail("%d indexers follow the stream at once" % len(leaders))
        leader = leaders[0]
        wait_for("the roots to be indexed", lambda: subprocess.run(
            ["psql", "-qAtX", db_url, "-c", "SELECT count(*) FROM targets "
             "WHERE last_synced_at IS NOT NULL AND fid IN (1, 2)"],
            capture_output=True, text=True).stdout.strip() == "2", 60, 0.2)
        if sim_tick(sim_port) >= LIVE_TICKS:
            fail("the live stream ended before the follower could be killed")
        leader.p.send_signal(signal.SIGKILL)
        killed = time.monotonic()
        leader.p.wait()
        new = wait_for("another indexer to follow the stream",
                       lambda: [ix for ix in follower_of(indexers) if ix is not leader], 10, 0.02)
        took = time.monotonic() - killed
        if took > 5.0:
            fail("the stream was taken over %.1f s after the follower was killed" % took)
        print("takeover after %.2f s" % took)
        indexers.remove(leader)

        # Public reads go to the replica.
        for port in apis:
            wait_for("port %d reading from the replica" % port,
                     lambda p=port: metric(p, "fcindex_db_reads_on_replica") == 1, 30)
            served_by(port, "replica", uniq)

        # The replica stops: the very next request is answered (from the
        # primary), and reads stay there.
        fallbacks = [metric(p, "fcindex_db_read_fallbacks_total") for p in apis]
        pg.replica.stop()
        for port in apis:
            before = reads(port, "primary")
            uniq.get(port)
            if reads(port, "primary") <= before:
                fail("a read just after the replica stopped was not served by the primary")
        for k, port in enumerate(apis):
            wait_for("port %d to read from the primary" % port,
                     lambda p=port: metric(p, "fcindex_db_reads_on_replica") == 0, 10)
            if metric(port, "fcindex_db_read_replica_up") != 0:
                fail("the stopped replica is reported up")
            if metric(port, "fcindex_db_read_fallbacks_total") <= fallbacks[k]:
                fail("no fallback counted on port %d" % port)
            served_by(port, "primary", uniq)

        # It starts again: reads go back to it.
        pg.replica.start()
        for port in apis:
            wait_for("port %d to read from the restarted replica" % port,
                     lambda p=port: metric(p, "fcindex_db_reads_on_replica") == 1, 30)
            served_by(port, "replica", uniq)

        # A statement failing on the replica (its connection fine) is
        # repeated on the primary; the replica stays in use.
        psql(pg.replica.port, "ALTER SYSTEM SET search_path = 'nowhere'")
        psql(pg.replica.port, "SELECT pg_reload_conf()")
        for port in apis:
            def retried(p=port):
                before = reads(p, "primary")
                uniq.get(p)
                return reads(p, "primary") > before
            wait_for("port %d's replica sessions to lose the tables" % port, retried, 10, 0.1)
            repeated_on_primary(port, uniq)
            if metric(port, "fcindex_db_reads_on_replica") != 1:
                fail("a failed statement took the reachable replica out of use")
        psql(pg.replica.port, "ALTER SYSTEM RESET search_path")
        psql(pg.replica.port, "SELECT pg_reload_conf()")
        for port in apis:
            wait_for("port %d's replica sessions to find the tables again" % port,
                     lambda p=port: served_by_quietly(p, uniq), 10, 0.1)

        # Its replay paused while the primary writes: past the allowed lag
        # reads go to the primary; resumed, back to the replica.
        psql(pg.replica.port, "SELECT pg_wal_replay_pause()")
        psql(pg.primary.port, "CREATE TABLE lag_probe (); DROP TABLE lag_probe")
        for port in apis:
            wait_for("port %d to leave the paused replica" % port,
                     lambda p=port: metric(p, "fcindex_db_reads_on_replica") == 0,
                     MAX_LAG_MS / 1000 + 10)
            lag = metric(port, "fcindex_db_read_replica_lag_seconds")
            if lag is None or lag * 1000 <= MAX_LAG_MS:
                fail("reads left the replica with its lag at %s s" % lag)
            served_by(port, "primary", uniq)
        psql(pg.replica.port, "SELECT pg_wal_replay_resume()")
        for port in apis:
            wait_for("port %d to return to the caught-up replica" % port,
                     lambda p=port: metric(p, "fcindex_db_reads_on_replica") == 1, 30)
            served_by(port, "replica", uniq)

        print("replica phases done %.1f s after the processes started" % (
            time.monotonic() - started))

        # The network stops at its last block; the primary reaches its truth.
        head = wait_for("the simulator to reach its last block",
                        lambda: (lambda t: t if t >= LIVE_TICKS else None)(sim_tick(sim_port)),
                        120, 0.5)
        until = (SIM_H0 + head) << 14
        truth = [require_env("TRUTH_CHECK_BIN"), db_url] + NETWORK + [
            "--roots", "1,2", "--clients", "9152", "--until-event", str(until)]
        deadline, out = time.monotonic() + 120, ""
        while True:
            r = subprocess.run(truth, capture_output=True, text=True)
            out = r.stdout + r.stderr
            if r.returncode == 0:
                break
            if time.monotonic() > deadline:
                fail("the primary never equalled hubsim truth --until-event %d:\n%s" % (until, out))
            time.sleep(1)
        print("".join(l for l in out.splitlines(True) if "equal the truth" in l).strip())

        # Once the replica has replayed everything, reading from it answers
        # as reading from the primary does.
        wait_for("the replica to replay the primary's last write", lambda: psql(
            pg.replica.port, "SELECT pg_last_wal_replay_lsn() >= '%s'::pg_lsn" % psql(
                pg.primary.port, "SELECT pg_current_wal_lsn()")) == "t", 60, 0.2)
        only_primary = dict(env, FCINDEX_DATABASE_READ_URL="")
        ref, ref_port = start_serve(db_url, ["serve", "--role=api"], only_primary)
        procs.append(ref)
        paths = public_paths(db_url)
        on_replica = reads(apis[0], "replica")
        for path in paths:
            got = http_get("http://127.0.0.1:%d%s" % (apis[0], path))
            want = http_get("http://127.0.0.1:%d%s" % (ref_port, path))
            if got != want:
                fail("%s: from the replica %d %.300s\nfrom the primary %d %.300s" % (
                    path, got[0], got[1], want[0], want[1]))
        if reads(apis[0], "replica") <= on_replica:
            fail("the comparison was not read from the replica")
        if reads(ref_port, "replica") != 0:
            fail("the primary-only API process read from a replica")
        print("%d public routes answer alike from the replica and the primary" % len(paths))
        for p in procs:
            if p.p.poll() is None and p.stop() != 0:
                fail("%s exited with an error:\n%s" % (p.argv, p.output()[-2000:]))
        for p in procs:
            if "ERROR: AddressSanitizer" in p.output() or "runtime error:" in p.output():
                fail("a sanitizer report:\n%s" % p.output()[-4000:])
        procs = []
        print("ok")
    finally:
        for p in procs:
            if p.p.poll() is None:
                p.signal(signal.SIGKILL)
                p.p.wait()
        if sim:
            sim.stop()
        pg.stop()


if __name__ == "__main__":
    main()
