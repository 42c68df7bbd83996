#!/usr/bin/env python3
"""Validates recorded API responses against docs/api/openapi.yaml.

Usage: check_openapi.py OPENAPI_YAML RESPONSES_JSONL

Each line of RESPONSES_JSONL (written by test_api) is one real response:
{"method", "route" (the documented pattern, e.g. /v1/users/:fid), "status",
"content_type", "body"}. Every response must be documented (path, method,
status, content type) and its JSON body must match the schema; every
documented operation must have been exercised at least once."""
import json
import re
import sys

import jsonschema
import yaml


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


def main():
    spec = yaml.safe_load(open(sys.argv[1]))
    if not str(spec.get("openapi", "")).startswith("3.1"):
        sys.exit("not an OpenAPI 3.1 document")
    paths = resolve(spec["paths"], spec)
    seen = set()
    problems = []
    count = 0
    for n, line in enumerate(open(sys.argv[2]), 1):
        rec = json.loads(line)
        count += 1
        path = re.sub(r":([a-z_]+)", r"{\1}", rec["route"])
        method = rec["method"].lower()
        where = f"line {n}: {rec['method']} {rec['route']} -> {rec['status']}"
        op = paths.get(path, {}).get(method)
        if op is None:
            problems.append(f"{where}: operation not documented")
            continue
        seen.add((path, method))
        resp = op["responses"].get(str(rec["status"]))
        if resp is None:
            problems.append(f"{where}: status not documented")
            continue
        content = resp.get("content", {})
        ctype = rec["content_type"].split(";")[0].strip()
        if ctype not in content:
            problems.append(f"{where}: content type {ctype!r} not documented")
            continue
        if ctype != "application/json":
            continue
        try:
            body = json.loads(rec["body"])
        except ValueError as e:
            problems.append(f"{where}: body is not JSON ({e})")
            continue
        schema = content[ctype]["schema"]
        errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(body),
                        key=lambda e: list(e.path))
        for e in errors[:3]:
            problems.append(f"{where}: {'/'.join(map(str, e.path))}: {e.message[:200]}")
    for path, item in paths.items():
        for method in item:
            if method in ("get", "post", "put", "delete") and (path, method) not in seen:
                problems.append(f"{method.upper()} {path}: documented but never exercised")
    for p in problems:
        print(p)
    print(f"{count} responses checked against {len(seen)} operations; {len(problems)} problems")
    sys.exit(1 if problems or count == 0 else 0)


if __name__ == "__main__":
    main()
