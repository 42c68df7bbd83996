"""Every metric the alert rules (deploy/prometheus/alerts.yml) and the
Grafana dashboard (deploy/grafana/fcindex-dashboard.json) name exists in
the /metrics of a live `fcindex serve` indexing the simulator's live
stream, and every label value they select on (label="value") occurs there."""
import json
import os
import re
import sys

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from deploylib import (Proc, ScratchDb, fail, http_get, migrate, require_env,  # noqa: E402
                       start_serve, wait_for)

# Series and labels Prometheus adds itself, not fcindex.
PROMETHEUS_OWN = {"up"}
TARGET_LABELS = {"job", "instance"}


def expressions(src):
    alerts = yaml.safe_load(open(os.path.join(src, "deploy/prometheus/alerts.yml")))
    for g in alerts["groups"]:
        for r in g["rules"]:
            yield "alert " + r["alert"], r["expr"]
    dash = json.load(open(os.path.join(src, "deploy/grafana/fcindex-dashboard.json")))
    for p in dash["panels"]:
        for t in p.get("targets", []):
            yield "panel " + p["title"], t["expr"]


def selectors(expr):
    """(metric, {label: value}) for each metric name in a PromQL expression,
    with its equality matchers; functions, keywords and labels are skipped."""
    out = []
    for m in re.finditer(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{[^}]*\})?", expr):
        name, matchers = m.group(1), m.group(2) or ""
        if not (name.startswith("fcindex_") or name.startswith("process_") or name == "up"):
            continue
        eq = dict(re.findall(r'([a-zA-Z_]+)\s*=\s*"([^"]*)"', matchers))
        out.append((name, eq))
    return out


def parse_metrics(text):
    """({declared metric names}, [(sample name, {labels})])."""
    declared = set(re.findall(r"^# TYPE (\S+) ", text, re.M))
    samples = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? ", line)
        if m:
            samples.append((m.group(1), dict(re.findall(r'([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"',
                                                        m.group(3) or ""))))
    return declared, samples


def main():
    src = require_env("FCINDEX_SOURCE_DIR")
    hubsim = require_env("HUBSIM_BIN")
    db = ScratchDb("metrics")
    sim = serve = None
    try:
        sim = Proc([hubsim, "--port", "0", "--fids", "40", "--shards", "2",
                    "--events-per-sec", "30", "--tick-ms", "200"])
        m = wait_for("hubsim to listen",
                     lambda: re.search(r"listening on \S+:(\d+)", sim.output()), 30)
        hub = "http://127.0.0.1:" + m.group(1)
        migrate(db.url)
        serve, port = start_serve(db.url, ["serve", "--role=all"],
                                  {"FCINDEX_HUBS_URLS": hub,
                                   "FCINDEX_STRATEGY_ROOT_TARGETS": "1,2",
                                   "FCINDEX_PROFILE": "test"})
        base = "http://127.0.0.1:%d" % port

        # Wait until the indexer follows the stream and has talked to the hub
        # and the API has served a request, so per-shard, per-hub and
        # per-route series exist.
        def ready():
            http_get(base + "/healthz")
            status, text = http_get(base + "/metrics")
            if status != 200:
                return None
            if "fcindex_sync_lag_seconds{" in text and "fcindex_hub_breaker_open{" in text \
                    and "fcindex_http_request_duration_seconds_bucket{" in text:
                return text
            return None
        text = wait_for("/metrics to show the stream, the hub and HTTP requests", ready, 120, 0.5)
        declared, samples = parse_metrics(text)
        sample_names = {n for n, _ in samples}

        problems = []
        checked = 0
        for where, expr in expressions(src):
            found = selectors(expr)
            if not found:
                problems.append("%s: names no metric: %s" % (where, expr))
            for name, eq in found:
                if name in PROMETHEUS_OWN:
                    continue
                checked += 1
                base_name = re.sub(r"_(bucket|sum|count)$", "", name)
                if name not in declared and base_name not in declared and name not in sample_names:
                    problems.append("%s: %s is not in /metrics" % (where, name))
                    continue
                for label, value in eq.items():
                    if label in TARGET_LABELS:
                        continue
                    if not any(n == name and labels.get(label) == value for n, labels in samples):
                        problems.append("%s: no %s sample has %s=\"%s\"" % (where, name, label, value))
        if checked < 20:
            problems.append("only %d metric references found; the parser is broken" % checked)
        if problems:
            fail("\n".join(problems) + "\n--- /metrics ---\n" + text)
        print("ok: %d metric references checked" % checked)
    finally:
        if serve:
            serve.stop()
        if sim:
            sim.stop()
        db.drop()


if __name__ == "__main__":
    main()
