#!/usr/bin/env python3
"""Validates recorded API responses against docs/api/openapi.yaml.

Usage: check_openapi.py OPENAPI_YAML RESPONSES_JSONL

Each line of RESPONSES_JSONL (written by test_api) is one real response:
{"method", "route" (the documented pattern, e.g. /v1/users/:fid, or null when
the test did not name one), "path", "status", "content_type", "body"}; the last
line is {"end": true, "failures": 0}, written only by a test_api run that
passed, so a file left by an older or failed run never validates.

Every response must be documented (operation, status, content type) and its
JSON body must match the schema. A response without a route is matched to an
operation by its path; one that matches none, or a status the operation does
not list, must be one of the answers any request can get (`x-server-responses`:
no route, wrong method, URL or headers too long, internal error). Every
documented status of every operation, and every server-wide answer, must have
been produced at least once."""
import json
import re
import sys

import jsonschema
import yaml

METHODS = ("get", "post", "put", "delete")


def resolve(node, root, depth=0):
    """Inlines local $refs (the document has no recursive schemas)."""
    if depth > 50:
        raise ValueError("$ref nesting too deep")
    if isinstance(node, dict):
        if "$ref" in node:
            target = root
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            return resolve(target, root, depth + 1)
        return {k: resolve(v, root, depth) for k, v in node.items()}
    if isinstance(node, list):
        return [resolve(v, root, depth) for v in node]
    return node


def path_matcher(paths):
    """(regex, documented path) pairs; literal paths before templated ones."""
    pats = []
    for p in paths:
        rx = "^" + re.sub(r"\\\{[a-z_]+\\\}", "[^/]+", re.escape(p)) + "$"
        pats.append((p.count("{"), re.compile(rx), p))
    pats.sort(key=lambda t: t[0])
    return [(rx, p) for _, rx, p in pats]


def check_body(where, resp, rec, problems):
    content = resp.get("content")
    ctype = rec["content_type"].split(";")[0].strip()
    if not content:  # documented without a body (e.g. 431 from the HTTP library)
        return
    if ctype not in content:
        problems.append(f"{where}: content type {ctype!r} not documented")
        return
    if ctype != "application/json" or rec["method"] == "HEAD":
        return
    try:
        body = json.loads(rec["body"])
    except ValueError as e:
        problems.append(f"{where}: body is not JSON ({e})")
        return
    schema = content[ctype]["schema"]
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(body),
                    key=lambda e: list(e.path))
    for e in errors[:3]:
        problems.append(f"{where}: {'/'.join(map(str, e.path))}: {e.message[:200]}")


def main():
    spec = yaml.safe_load(open(sys.argv[1]))
    if not str(spec.get("openapi", "")).startswith("3.1"):
        sys.exit("not an OpenAPI 3.1 document")
    paths = resolve(spec["paths"], spec)
    server_wide = resolve(spec.get("x-server-responses", {}), spec)
    matchers = path_matcher(paths)
    seen = set()
    seen_server = set()
    problems = []
    count = 0
    ended = False
    try:
        lines = open(sys.argv[2]).read().splitlines()
    except OSError as e:
        sys.exit(f"no recorded responses ({e}): test_api did not run")
    for n, line in enumerate(lines, 1):
        rec = json.loads(line)
        if rec.get("end"):
            ended = n == len(lines) and rec.get("failures") == 0
            continue
        count += 1
        method = rec["method"].lower()
        if rec.get("route"):
            path = re.sub(r":([a-z_]+)", r"{\1}", rec["route"])
        else:
            bare = rec["path"].split("?")[0]
            path = next((p for rx, p in matchers if rx.match(bare)), None)
        where = f"line {n}: {rec['method']} {rec.get('route') or rec['path'][:80]} -> {rec['status']}"
        status = str(rec["status"])
        if method == "head":  # the GET's answer without a body
            method = "get"
        if method == "options":  # CORS preflight, answered before routing
            if status != "204":
                problems.append(f"{where}: a preflight must answer 204")
            continue
        op = paths.get(path, {}).get(method) if path else None
        resp = op["responses"].get(status) if op else None
        if resp is not None:
            seen.add((path, method, status))
        elif status in server_wide and (op is None or status not in ("404", "405")):
            resp = server_wide[status]
            seen_server.add(status)
        elif path is None or op is None:
            problems.append(f"{where}: operation not documented")
            continue
        else:
            problems.append(f"{where}: status not documented")
            continue
        check_body(where, resp, rec, problems)
    for path, item in paths.items():
        for method, op in item.items():
            if method not in METHODS:
                continue
            for status in op["responses"]:
                if (path, method, status) not in seen:
                    problems.append(f"{method.upper()} {path} {status}: documented but never produced")
    for status in server_wide:
        if status not in seen_server:
            problems.append(f"x-server-responses {status}: documented but never produced")
    if not ended:
        problems.append("no final line from a passing test_api run: the file is stale or partial")
    for p in problems:
        print(p)
    print(f"{count} responses checked against {len(seen)} documented statuses "
          f"and {len(seen_server)} server-wide answers; {len(problems)} problems")
    sys.exit(1 if problems or count == 0 else 0)


if __name__ == "__main__":
    main()
