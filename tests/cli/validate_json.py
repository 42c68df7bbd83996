#!/usr/bin/python3
"""Validates one JSON document (a file holding a command's --json output)
against a JSON schema from docs/cli/.

Usage: validate_json.py SCHEMA.json DOCUMENT.json
Exit 0 when it validates, 1 with every problem on stderr otherwise."""
import json
import sys

import jsonschema


def main():
    schema = json.load(open(sys.argv[1]))
    jsonschema.Draft202012Validator.check_schema(schema)
    text = open(sys.argv[2]).read()
    try:
        doc = json.loads(text)
    except ValueError as e:
        sys.exit(f"{sys.argv[2]}: not one JSON document ({e}): {text[:200]!r}")
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(doc))
    for e in errors[:10]:
        print(f"{sys.argv[2]}: {'/'.join(map(str, e.path))}: {e.message[:300]}", file=sys.stderr)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
