"""The deployment files of deploy/ against the binary they run: every fcindex
command line (docker-compose.yml services and health checks, the Dockerfile,
the systemd units) names a command of `fcindex help` with arguments its help
accepts and options of `fcindex config docs`; every variable the containers
get is an option's environment name and the whole environment passes
`fcindex config check`; the topology is the documented one (PostgreSQL,
Redis, one indexer, two API processes behind nginx, Prometheus scraping
each API process). No container runtime runs here: this is what can be
checked without one.
    check_deploy.py SOURCE_DIR   (FCINDEX_BIN names the binary)"""
import os
import re
import shlex
import subprocess
import sys

import yaml

problems = []


def problem(msg):
    problems.append(msg)


def run(args, env=None):
    r = subprocess.run([os.environ["FCINDEX_BIN"]] + args, capture_output=True, text=True,
                       env=env)
    return r.returncode, r.stdout + r.stderr


class Cli:
    """What the binary says it accepts."""

    def __init__(self):
        rc, out = run(["help"])
        block = out.split("commands:\n", 1)[1].split("\n\n", 1)[0]
        self.commands = {line.split()[0] for line in block.splitlines() if line.strip()}
        if len(self.commands) < 5:
            sys.exit("FAIL: cannot read the commands of `fcindex help`: " + out)
        self.usage = {c: run(["help", c])[1] for c in self.commands}
        m = re.search(r"--role=([a-z|]+)", self.usage["serve"])
        self.roles = set(m.group(1).split("|")) if m else set()
        rc, docs = run(["config", "docs"])
        self.keys = set()
        self.env_names = set()
        section = None
        for line in docs.splitlines():
            h = re.match(r"^## \[([a-z]+)\]$", line)
            if h:
                section = h.group(1)
                continue
            row = re.match(r"^\| `([a-z_]+)` \|.*\| ([^|]*) \|[^|]*\|$", line)
            if row and section:
                self.keys.add(section + "." + row.group(1))
                self.env_names.update(re.findall(r"`([A-Z][A-Z0-9_]*)`", row.group(2)))
        if len(self.keys) < 20 or "DATABASE_URL" not in self.env_names:
            sys.exit("FAIL: cannot read the options of `fcindex config docs`")

    def check_argv(self, argv, where):
        """argv: the arguments after the fcindex binary."""
        i, rest = 0, []
        while i < len(argv):
            a = argv[i]
            if a in ("--config", "--set"):
                if i + 1 >= len(argv):
                    problem("%s: %s without a value" % (where, a))
                    return
                if a == "--set":
                    key = argv[i + 1].split("=", 1)[0]
                    if key not in self.keys:
                        problem("%s: --set %s is not an option of `fcindex config docs`"
                                % (where, key))
                i += 2
                continue
            rest.append(a)
            i += 1
        if not rest:
            problem("%s: no command" % where)
            return
        cmd, args = rest[0], rest[1:]
        if cmd not in self.commands:
            problem("%s: \"%s\" is not a command of `fcindex help`" % (where, cmd))
            return
        for a in args:
            if cmd == "serve":
                m = re.fullmatch(r"--role=([a-z]+)", a)
                if not m or m.group(1) not in self.roles:
                    problem("%s: serve does not accept %s (roles: %s)"
                            % (where, a, sorted(self.roles)))
            elif not re.search(r"(^|[\s\[|])" + re.escape(a) + r"($|[\s\]|])",
                               self.usage[cmd]):
                problem("%s: `fcindex help %s` does not mention %s" % (where, cmd, a))


def substitute(text, variables):
    """Compose-file interpolation: ${VAR}, ${VAR:-default}, ${VAR:?error}."""
    def one(m):
        name, op, arg = m.group(1), m.group(2), m.group(3)
        v = variables.get(name, "")
        if op == ":-" and not v:
            return arg
        if op == ":?" and not v:
            problem("compose needs %s: %s" % (name, arg))
        return v
    return re.sub(r"\$\{([A-Z0-9_]+)(?:(:-|:\?)([^}]*))?\}", one, text)


def read_env_file(path):
    out = {}
    for line in open(path):
        line = line.strip()
        if line and not line.startswith("#"):
            k, _, v = line.partition("=")
            out[k] = v
    return out


def check_compose(cli, deploy):
    env_example = read_env_file(os.path.join(deploy, "compose.env.example"))
    raw = open(os.path.join(deploy, "docker-compose.yml")).read()
    compose = yaml.safe_load(substitute(raw, env_example))
    services = compose["services"]
    ours = {n: s for n, s in services.items()
            if (s.get("build") or {}).get("dockerfile") == "deploy/Dockerfile"}
    for name, s in ours.items():
        if not os.path.exists(os.path.join(deploy, (s["build"]["context"]), "deploy/Dockerfile")):
            problem("%s: build context has no deploy/Dockerfile" % name)
        cmd = s.get("command")
        if not isinstance(cmd, list):
            problem("%s: command must be an exec-form list, got %r" % (name, cmd))
            continue
        cli.check_argv(cmd, "compose service " + name)
        test = (s.get("healthcheck") or {}).get("test")
        if isinstance(test, list) and test[:2] == ["CMD", "fcindex"]:
            cli.check_argv(test[2:], "compose service %s healthcheck" % name)
        env = {k: "" if v is None else str(v) for k, v in (s.get("environment") or {}).items()}
        for k in env:
            if k not in cli.env_names:
                problem("compose service %s: %s is not an option's environment name" % (name, k))
        # The environment as the container gets it is a valid configuration.
        rc, out = run(["config", "check"], env={"PATH": "/usr/bin:/bin", **env})
        if rc != 0:
            problem("compose service %s: fcindex config check: %s" % (name, out.strip()))

    roles = {n: s["command"][1] for n, s in ours.items()
             if isinstance(s.get("command"), list) and s["command"][:1] == ["serve"]}
    indexers = [n for n, r in roles.items() if r in ("--role=indexer", "--role=all")]
    apis = sorted(n for n, r in roles.items() if r == "--role=api")
    if len(indexers) != 1:
        problem("compose: expected one indexer, found %s" % indexers)
    if len(apis) != 2:
        problem("compose: expected two API processes, found %s" % apis)
    for need in ("postgres", "redis", "nginx", "prometheus"):
        if need not in services:
            problem("compose: no %s service" % need)
    migrate = [n for n, s in ours.items() if s.get("command") == ["migrate"]]
    for n in indexers + apis:
        dep = (ours[n].get("depends_on") or {})
        if not any(dep.get(m, {}).get("condition") == "service_completed_successfully"
                   for m in migrate):
            problem("compose service %s does not wait for the migration" % n)

    # nginx spreads over exactly the API processes, on the port they listen on.
    ports = {n: ours[n]["environment"]["FCINDEX_API_LISTEN"].rsplit(":", 1)[1] for n in apis}
    nginx = open(os.path.join(deploy, "nginx.conf")).read()
    upstream = set(re.findall(r"^\s*server\s+([a-z0-9_-]+:\d+)", nginx, re.M))
    if upstream != {"%s:%s" % (n, ports[n]) for n in apis}:
        problem("nginx upstream %s is not the API processes %s" % (sorted(upstream), ports))
    proxies = ours[apis[0]]["environment"].get("FCINDEX_API_TRUSTED_PROXIES", "")
    nginx_ip = ((services["nginx"].get("networks") or {}).get("fcindex") or {}).get("ipv4_address")
    if not nginx_ip or nginx_ip not in proxies.split(","):
        problem("the API trusts %r as proxy but nginx is at %r" % (proxies, nginx_ip))

    # Every API process answers to the Host names it is reached by: nginx
    # passes the public one, Prometheus and the health check use these.
    for n in apis:
        allowed = set(ours[n]["environment"].get("FCINDEX_API_ALLOWED_HOSTS", "").split(","))
        missing = (set(apis) | {"127.0.0.1"}) - allowed
        if missing:
            problem("compose service %s: api.allowed_hosts lacks %s (it would answer 421)"
                    % (n, sorted(missing)))

    # Prometheus scrapes every API process's /metrics and loads the alert rules.
    prom = yaml.safe_load(open(os.path.join(deploy, "prometheus/prometheus.yml")))
    targets = set()
    for job in prom["scrape_configs"]:
        if job.get("metrics_path", "/metrics") != "/metrics":
            problem("prometheus job %s scrapes %s" % (job["job_name"], job["metrics_path"]))
        for sc in job.get("static_configs", []):
            targets.update(sc["targets"])
    if targets != {"%s:%s" % (n, ports[n]) for n in apis}:
        problem("prometheus targets %s are not the API processes" % sorted(targets))
    mounts = " ".join(services["prometheus"].get("volumes", []))
    for rf in prom.get("rule_files", []):
        if rf not in mounts:
            problem("prometheus rule file %s is not mounted" % rf)


def check_dockerfile(cli, deploy):
    text = open(os.path.join(deploy, "Dockerfile")).read().replace("\\\n", " ")
    stages = re.findall(r"^FROM\s+(\S+)", text, re.M)
    if len(stages) < 2 or any(s != "debian:12-slim" for s in stages):
        problem("Dockerfile: expected a multi-stage build on debian:12-slim, got %s" % stages)
    final = text[[m.start() for m in re.finditer(r"^FROM ", text, re.M)][-1]:]
    user = re.findall(r"^USER\s+(\S+)", final, re.M)
    if not user or user[-1].split(":")[0] in ("root", "0"):
        problem("Dockerfile: the final stage does not run as a non-root USER (%s)" % user)
    hc = re.search(r"^HEALTHCHECK.*$", final, re.M)
    if not hc or "/readyz" not in hc.group(0):
        problem("Dockerfile: no HEALTHCHECK on /readyz")
    ep = re.search(r"^ENTRYPOINT\s+(\[.*\])", final, re.M)
    cmd = re.search(r"^CMD\s+(\[.*\])", final, re.M)
    if not ep or yaml.safe_load(ep.group(1)) != ["/usr/bin/fcindex"]:
        problem("Dockerfile: ENTRYPOINT is not /usr/bin/fcindex")
    if cmd:
        cli.check_argv(yaml.safe_load(cmd.group(1)), "Dockerfile CMD")


def check_units(cli, deploy):
    unit_dir = os.path.join(deploy, "systemd")
    for u in sorted(os.listdir(unit_dir)):
        for line in open(os.path.join(unit_dir, u)):
            m = re.match(r"^(ExecStart|ExecStartPre)=(.*)$", line.strip())
            if not m:
                continue
            argv = shlex.split(m.group(2).replace("%i", "8081"))
            if argv[0] != "/usr/bin/fcindex":
                problem("%s: %s runs %s" % (u, m.group(1), argv[0]))
                continue
            cli.check_argv(argv[1:], "%s %s" % (u, m.group(1)))


def main():
    deploy = os.path.join(sys.argv[1], "deploy")
    cli = Cli()
    check_compose(cli, deploy)
    check_dockerfile(cli, deploy)
    check_units(cli, deploy)
    if problems:
        for p in problems:
            print("FAIL: " + p, file=sys.stderr)
        sys.exit(1)
    print("ok")


if __name__ == "__main__":
    main()
