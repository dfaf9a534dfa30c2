#!/usr/bin/env python3
"""Runs the Compose stack of deploy/compose.yaml without a container engine, and checks it.

CI has no Docker engine, so this test takes the project exactly as Compose would resolve it
(`compose-config`, Compose's own loader, on an env file made by the deployment guide's own
commands) and starts each service as a process on loopback: the release binary with the image's
entrypoint, environment and health check (read from the Dockerfile), the migrate service, the two
nodes, nginx with deploy/proxy/nginx.conf, and Prometheus with deploy/prometheus. PostgreSQL and
Redis are CI's servers. The only changes are the ones loopback forces, each asserted first:
service hosts become 127.0.0.1, fixed ports become free ones, the network's subnet (the value of
TRUSTED_PROXIES) becomes 127.0.0.1, and the database and its role get CI names. Grafana is not
run (no build of it installs here); its data source is checked against the Prometheus service
and every dashboard query is evaluated by the running Prometheus.

    deploy/stack_test.py --agentidp target/release/agentidp --compose-config BIN \
        --prometheus BIN [--pg postgres://postgres@127.0.0.1:5432] [--redis redis://127.0.0.1:6379]
"""

import argparse
import base64
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

DEPLOY = Path(__file__).resolve().parent
ROOT = DEPLOY.parent
CI_NAME = "agentidp_ci_stack"
CLIENT_IP = "203.0.113.7"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, body=None, headers=None, expect=None):
    """One request; returns (status, parsed JSON or text). Fails on an unexpected status."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            status, raw = resp.status, resp.read()
    except urllib.error.HTTPError as err:
        status, raw = err.code, err.read()
    text = raw.decode()
    if expect is not None and status != expect:
        raise AssertionError(f"{method} {url}: expected {expect}, got {status}: {text[:300]}")
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


def wait_until(what, check, timeout=60, interval=0.5):
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
            if result:
                return result
        except (OSError, AssertionError, KeyError, ValueError):
            if time.monotonic() > deadline:
                raise
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(interval)


def guide_env(workdir):
    """Makes deploy/.env with the Compose section's own shell commands from docs/deployment.md."""
    guide = (ROOT / "docs" / "deployment.md").read_text()
    section = guide.split("## Compose", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    setup = [line for line in block.splitlines() if not line.startswith(("docker ", "curl "))]
    print("following docs/deployment.md:\n  " + "\n  ".join(setup))
    shutil.copytree(DEPLOY, workdir / "deploy", ignore=shutil.ignore_patterns(".env", "metrics-token"))
    subprocess.run(["bash", "-euc", "\n".join(setup)], cwd=workdir, check=True)
    return workdir / "deploy"


def dockerfile_runtime():
    """The runtime stage's ENV, ENTRYPOINT, CMD and HEALTHCHECK, as the image would run them."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    stage = text.rsplit("\nFROM ", 1)[1]
    image = {"env": {}}
    for line in stage.splitlines():
        word, _, rest = line.strip().partition(" ")
        if word == "ENV":
            image["env"].update(item.split("=", 1) for item in shlex.split(rest))
        elif word in ("ENTRYPOINT", "CMD"):
            image[word] = json.loads(rest)
        elif word == "HEALTHCHECK":
            image[word] = json.loads(rest.split(" CMD ", 1)[1])
    return image


class Stack:
    """The services' processes, their ports and their logs."""

    def __init__(self, args, workdir, deploy, project):
        self.args, self.workdir, self.deploy, self.project = args, workdir, deploy, project
        self.image = dockerfile_runtime()
        self.procs = {}
        self.ports = {name: free_port() for name in ("agentidp-1", "agentidp-2", "proxy", "prometheus")}
        self.pg = urllib.parse.urlsplit(args.pg)
        self.redis = urllib.parse.urlsplit(args.redis)

    def service(self, name):
        return self.project["services"][name]

    def argv(self, argv):
        binary = self.image["ENTRYPOINT"][0]
        return [self.args.agentidp if a == binary else a for a in argv]

    def node_env(self, name):
        """The service's environment over the image's, with loopback's changes."""
        env = dict(self.image["env"], **self.service(name)["environment"])
        subnet = self.project["networks"]["agentidp"]["ipam"]["config"][0]["subnet"]
        assert env["TRUSTED_PROXIES"] == subnet, "TRUSTED_PROXIES is the proxy's network"
        published = self.service("proxy")["ports"][0]
        assert env["PUBLIC_URL"] == f"http://{published['host_ip']}:{published['published']}"
        db = urllib.parse.urlsplit(env["DATABASE_URL"])
        assert (db.hostname, db.port) == ("postgres", 5432) and db.path == "/agentidp"
        password = self.service("postgres")["environment"]["POSTGRES_PASSWORD"]
        assert db.password == password, "the nodes use the password PostgreSQL is given"
        env["DATABASE_URL"] = (
            f"postgres://{CI_NAME}:{password}@{self.pg.hostname}:{self.pg.port or 5432}/{CI_NAME}"
        )
        assert urllib.parse.urlsplit(env["REDIS_URL"]).hostname == "redis"
        env["REDIS_URL"] = self.args.redis
        env["TRUSTED_PROXIES"] = "127.0.0.1"
        env["PUBLIC_URL"] = f"http://127.0.0.1:{self.ports['proxy']}"
        if name in self.ports:
            env["BIND_ADDR"] = f"127.0.0.1:{self.ports[name]}"
        return {"PATH": os.environ["PATH"], **env}

    def start(self, name, argv, env=None, cwd=None):
        out = open(self.workdir / f"{name}.out", "w")
        err = open(self.workdir / f"{name}.err", "w")
        self.procs[name] = subprocess.Popen(
            argv, env=env, cwd=cwd or self.workdir, stdout=out, stderr=err, start_new_session=True
        )

    def log(self, name, stream="out"):
        return (self.workdir / f"{name}.{stream}").read_text()

    def stop(self, name):
        """SIGTERM, as `docker stop` sends; the exit code, or None when it had to be killed."""
        proc = self.procs.pop(name)
        proc.send_signal(signal.SIGTERM)
        try:
            return proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            return None

    def stop_all(self):
        for name in list(self.procs):
            self.stop(name)

    def psql(self, sql, db="postgres"):
        url = urllib.parse.urlunsplit(self.pg._replace(path=f"/{db}"))
        return subprocess.run(
            ["psql", url, "-Atqc", sql], check=True, capture_output=True, text=True
        ).stdout

    def database(self):
        """The postgres service (POSTGRES_USER, _PASSWORD, _DB) on CI's server."""
        password = self.service("postgres")["environment"]["POSTGRES_PASSWORD"]
        self.drop_database()
        self.psql(f"CREATE ROLE {CI_NAME} LOGIN PASSWORD '{password}'")
        self.psql(f"CREATE DATABASE {CI_NAME} OWNER {CI_NAME}")

    def drop_database(self):
        self.psql(f"DROP DATABASE IF EXISTS {CI_NAME} WITH (FORCE)")
        self.psql(f"DROP ROLE IF EXISTS {CI_NAME}")

    def proxy(self):
        """nginx with deploy/proxy/nginx.conf as the image's conf.d/default.conf."""
        conf = (self.deploy / "proxy" / "nginx.conf").read_text()
        for node in ("agentidp-1", "agentidp-2"):
            assert f"server {node}:3000 " in conf, f"the proxy balances over {node}"
            conf = conf.replace(f"{node}:3000", f"127.0.0.1:{self.ports[node]}")
        published = self.service("proxy")["ports"][0]
        assert f"listen {published['target']};" in conf
        conf = conf.replace(f"listen {published['target']};", f"listen 127.0.0.1:{self.ports['proxy']};")
        nginx = self.workdir / "nginx"
        nginx.mkdir()
        (nginx / "default.conf").write_text(conf)
        # The nginx image's nginx.conf, reduced to what a test run needs.
        (nginx / "nginx.conf").write_text(
            f"daemon off; worker_processes 1; pid {nginx}/nginx.pid; error_log {nginx}/error.log;\n"
            f"events {{}}\nhttp {{ access_log {nginx}/access.log; client_body_temp_path {nginx};\n"
            f"  proxy_temp_path {nginx}/proxy; include {nginx}/default.conf; }}\n"
        )
        argv = [self.args.nginx, "-p", str(nginx), "-c", str(nginx / "nginx.conf")]
        subprocess.run(argv + ["-t", "-q"], check=True)
        self.start("proxy", argv)
        self.wait_listening("proxy")

    def prometheus(self):
        """Prometheus with the service's command, its volumes mounted under a directory of ours."""
        root = self.workdir / "prometheus-root"
        service = self.service("prometheus")
        for volume in service["volumes"]:
            target = root / volume["target"].lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(volume["source"], target)
        config = root / "etc/prometheus/prometheus.yml"
        text = config.read_text().replace("/etc/prometheus/", f"{root}/etc/prometheus/")
        for node in ("agentidp-1", "agentidp-2"):
            assert f'"{node}:3000"' in text, f"Prometheus scrapes {node}"
            text = text.replace(f'"{node}:3000"', f'"127.0.0.1:{self.ports[node]}"')
        config.write_text(text)
        argv = [a.replace("=/etc/", f"={root}/etc/") for a in service["command"]]
        self.start(
            "prometheus",
            [self.args.prometheus, *argv, f"--storage.tsdb.path={self.workdir}/tsdb",
             f"--web.listen-address=127.0.0.1:{self.ports['prometheus']}"],
        )
        self.wait_listening("prometheus")

    def wait_listening(self, name):
        """Until `name` accepts connections on its port, as a started container would."""
        def accepts():
            if self.procs[name].poll() is not None:
                raise SystemExit(f"{name} exited: {self.log(name, 'err')[-2000:]}")
            with socket.create_connection(("127.0.0.1", self.ports[name]), timeout=1):
                return True
        wait_until(f"{name} to listen", accepts)


def check_project(project):
    """The services and their order, as compose.yaml declares them."""
    services = project["services"]
    assert set(services) == {"postgres", "redis", "migrate", "agentidp-1", "agentidp-2", "proxy", "prometheus", "grafana"}
    assert services["migrate"]["command"] == ["migrate"]
    for node in ("agentidp-1", "agentidp-2"):
        assert services[node]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    datasource = (ROOT / "deploy/grafana/provisioning/datasources/prometheus.yaml").read_text()
    # Grafana reaches the prometheus service on Prometheus' default port (no --web.listen-address).
    assert "url: http://prometheus:9090" in datasource
    assert not any(a.startswith("--web.listen-address") for a in services["prometheus"]["command"])


def start_nodes(stack):
    migrate = stack.image["ENTRYPOINT"] + stack.service("migrate")["command"]
    done = subprocess.run(stack.argv(migrate), env=stack.node_env("migrate"), cwd=stack.workdir,
                          check=True, capture_output=True, text=True)
    print(f"migrate: {done.stdout.strip()}")
    for node in ("agentidp-1", "agentidp-2"):
        data = stack.workdir / f"data-{node}"
        data.mkdir()
        argv = stack.image["ENTRYPOINT"] + (stack.service(node)["command"] or stack.image["CMD"])
        stack.start(node, stack.argv(argv), env=stack.node_env(node), cwd=data)
    for node in ("agentidp-1", "agentidp-2"):
        # The image's HEALTHCHECK, as the container engine would run it.
        healthcheck = stack.argv(stack.image["HEALTHCHECK"])
        wait_until(f"{node}'s health check", lambda: subprocess.run(
            healthcheck, env=stack.node_env(node), capture_output=True).returncode == 0)
        print(f"{node}: healthy on 127.0.0.1:{stack.ports[node]}")


def admin_credentials(stack):
    """The guide's `logs agentidp-1 agentidp-2 | grep client_`: exactly one node made the tenant."""
    printed = [re.findall(r"^client_(id|secret):\s+(\S+)", stack.log(n), re.M) for n in ("agentidp-1", "agentidp-2")]
    assert sorted(len(p) for p in printed) == [0, 2], f"one node prints the first admin: {printed}"
    return dict(next(p for p in printed if p))


def check_api(stack, admin):
    proxy = f"http://127.0.0.1:{stack.ports['proxy']}"
    _, health = http("GET", f"{proxy}/health/detailed", expect=200)
    assert health["status"] == "healthy", health
    assert health["checks"]["database"]["status"] == health["checks"]["redis"]["status"] == "healthy", health

    basic = base64.b64encode(f"{admin['id']}:{admin['secret']}".encode()).decode()
    tokens = []
    for _ in range(4):  # round robin: both nodes issue
        _, token = http("POST", f"{proxy}/oauth2/token", b"grant_type=client_credentials", {
            "Authorization": f"Basic {basic}", "X-Forwarded-For": CLIENT_IP,
            "Content-Type": "application/x-www-form-urlencoded"}, expect=200)
        tokens.append(token["access_token"])
    jwks = [http("GET", f"http://127.0.0.1:{stack.ports[n]}/.well-known/jwks.json", expect=200)[1]
            for n in ("agentidp-1", "agentidp-2")]
    assert jwks[0] == jwks[1] == http("GET", f"{proxy}/.well-known/jwks.json", expect=200)[1]
    for node in ("agentidp-1", "agentidp-2"):
        for token in tokens:
            _, active = http("POST", f"http://127.0.0.1:{stack.ports[node]}/oauth2/introspect",
                             urllib.parse.urlencode({"token": token}).encode(), {
                                 "Authorization": f"Basic {basic}",
                                 "Content-Type": "application/x-www-form-urlencoded"}, expect=200)
            assert active["active"] is True, f"{node} accepts every node's token"
    print("tokens through the proxy: active on both nodes, one JWKS")

    bearer = {"Authorization": f"Bearer {tokens[0]}"}
    _, events = http("GET", f"{proxy}/v1/audit/events?action=token.issued&limit=10", headers=bearer, expect=200)
    ips = {event["ip"] for event in events["data"]}
    assert ips == {CLIENT_IP}, f"the audit log records the client behind the proxy: {ips}"
    print(f"audit log: the client's address ({CLIENT_IP}) from X-Forwarded-For")

    http("GET", f"{proxy}/metrics", expect=404)
    token = stack.service("agentidp-1")["environment"]["METRICS_TOKEN"]
    for name in ("agentidp-1", "agentidp-2"):
        node = f"http://127.0.0.1:{stack.ports[name]}/metrics"
        http("GET", node, expect=401)
        _, metrics = http("GET", node, headers={"Authorization": f"Bearer {token}"}, expect=200)
        assert "\nagentidp_database_up 1" in metrics and "\nagentidp_redis_up 1" in metrics
        issued = re.search(r"^agentidp_tokens_issued_total\{[^}]*\} (\d+)", metrics, re.M)
        assert issued and int(issued.group(1)) > 0, f"the proxy sent token requests to {name}"
    print("metrics: 404 at the proxy, 401 without METRICS_TOKEN, served with it; both nodes issued")


def check_dump(stack):
    """With KEY_ENCRYPTION_KEY set, a dump of the database holds no private key."""
    url = urllib.parse.urlunsplit(stack.pg._replace(path=f"/{CI_NAME}"))
    dump = subprocess.run(["pg_dump", url], check=True, capture_output=True, text=True).stdout
    assert "signing_keys" in dump and "PRIVATE KEY" not in dump
    print(f"pg_dump: {len(dump)} bytes, no PEM")


def prometheus_api(stack, path, **params):
    url = f"http://127.0.0.1:{stack.ports['prometheus']}/api/v1/{path}?{urllib.parse.urlencode(params)}"
    _, body = http("GET", url, expect=200)
    assert body["status"] == "success", body
    return body["data"]


def check_monitoring(stack):
    def targets_up():
        targets = prometheus_api(stack, "targets")["activeTargets"]
        return len(targets) == 2 and all(t["health"] == "up" for t in targets)

    wait_until("Prometheus to scrape both nodes", targets_up, timeout=90, interval=2)

    def rules_evaluated():
        rules = [r for g in prometheus_api(stack, "rules")["groups"] for r in g["rules"]]
        return rules if rules and all(r["health"] == "ok" and not r["lastEvaluation"].startswith("0001")
                                      for r in rules) else None

    rules = wait_until("the alert rules to evaluate", rules_evaluated, timeout=60, interval=2)
    firing = [r["name"] for r in rules if r["state"] != "inactive"]
    assert not firing, f"a healthy stack fires no alert: {firing}"
    dashboard = json.loads((ROOT / "deploy/grafana/agentidp.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    for expr in exprs:
        prometheus_api(stack, "query", query=expr.replace("$__rate_interval", "1m"))
    (up,) = prometheus_api(stack, "query", query='sum(up{job="agentidp"})')["result"]
    assert up["value"][1] == "2"
    print(f"Prometheus: both nodes scraped, {len(rules)} rules evaluate, none fires, "
          f"{len(exprs)} dashboard queries evaluate")


def check_failover(stack):
    assert stack.stop("agentidp-1") == 0, "a node stops cleanly on SIGTERM"
    proxy = f"http://127.0.0.1:{stack.ports['proxy']}"
    for _ in range(6):
        http("GET", f"{proxy}/health", expect=200)

    def node_down_alert():
        alerts = prometheus_api(stack, "alerts")["alerts"]
        return any(a["labels"]["alertname"] == "AgentIdPNodeDown" for a in alerts)

    wait_until("AgentIdPNodeDown to be pending", node_down_alert, timeout=90, interval=2)
    print("failover: agentidp-1 stopped, the proxy serves from agentidp-2, AgentIdPNodeDown pending")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--agentidp", required=True)
    parser.add_argument("--compose-config", required=True)
    parser.add_argument("--prometheus", required=True)
    parser.add_argument("--nginx", default=shutil.which("nginx") or "/usr/sbin/nginx")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="agentidp-stack-"))
    deploy = guide_env(workdir)
    loaded = subprocess.run(
        [args.compose_config, "-f", deploy / "compose.yaml", "--env-file", deploy / ".env"],
        check=True, capture_output=True, text=True)
    project = json.loads(loaded.stdout)
    check_project(project)
    stack = Stack(args, workdir, deploy, project)
    ok = False
    try:
        stack.database()
        start_nodes(stack)
        stack.proxy()
        stack.prometheus()
        check_api(stack, admin_credentials(stack))
        check_dump(stack)
        check_monitoring(stack)
        check_failover(stack)
        ok = True
    finally:
        stack.stop_all()
        stack.drop_database()
        if ok:
            shutil.rmtree(workdir)
        else:
            print(f"logs kept in {workdir}", file=sys.stderr)
    print("the Compose stack works")


if __name__ == "__main__":
    main()
