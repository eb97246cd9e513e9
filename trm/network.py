"""The demo network: three nodes on loopback, each its own process, database, worker and people.

``trm demo`` calls ``start``: each node is prepared in its own process (database, seeded people and
cases, node keys: what its administrator would do with ``trm init`` and ``trm directory keys``), a
demo coordinator signs a trust list of the three, and each node then serves (trusting the
coordinator and importing the list first) beside its own ``trm worker``. The tests start the same
network, with fewer nodes, on free ports.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from trm.demo import NODES, DemoNode, demo_node
from trm.directory import coordinator

NETWORK = "trm-demo"
TEMPLATES = ["trm-case-report@1.0"]


def node_environment(folder: Path, extra: dict | None = None) -> dict:
    env = {**os.environ, "TRM_DATA_DIR": str(folder), "TRM_SECURE_COOKIES": "0", "TRM_REQUIRE_MFA": "0",
           "TRM_DEBUG": "1", "DJANGO_SETTINGS_MODULE": "trm.settings", **(extra or {})}
    for inherited in ("TRM_DATABASE_URL", "TRM_DATA_KEY", "TRM_DATA_KEY_FILE", "TRM_SECRET_KEY"):
        env.pop(inherited, None)  # each demo node has its own SQLite database and keys in its folder
    return env


def _trm(*args: str) -> list[str]:
    return [sys.executable, "-m", "trm.cli", *args]


@dataclass
class RunningNode:
    node: DemoNode
    port: int
    folder: Path
    people: list = field(default_factory=list)  # [username, role, password, api token]
    env: dict = field(default_factory=dict)  # extra settings for this node's processes
    endpoint: str | None = None  # where the others post to it, when not its own address
    server: subprocess.Popen | None = None
    worker: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def token(self, username: str) -> str:
        return next(p[3] for p in self.people if p[0] == username)

    def start_server(self, *, quiet: bool = True) -> None:
        output = subprocess.DEVNULL if quiet else None
        self.server = subprocess.Popen(
            _trm("demo-node", "serve", self.node.node_id, "--port", str(self.port), "--network", str(self.folder.parent)),
            env=node_environment(self.folder, self.env), stdout=output, stderr=output, start_new_session=True)
        _wait_for(f"{self.url}/health", self.server)

    def start_worker(self, *, quiet: bool = True, interval: float = 0.5) -> None:
        output = subprocess.DEVNULL if quiet else None
        self.worker = subprocess.Popen(_trm("worker", "--interval", str(interval)), env=node_environment(self.folder, self.env),
                                       stdout=output, stderr=output, start_new_session=True)

    def stop_server(self) -> None:
        _stop(self.server)
        self.server = None

    def stop_worker(self, *, kill: bool = False) -> None:
        _stop(self.worker, kill=kill)
        self.worker = None

    def stop(self) -> None:
        self.stop_worker()
        self.stop_server()


def _stop(process: subprocess.Popen | None, *, kill: bool = False) -> None:
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGKILL if kill else signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _wait_for(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the node for {url.rsplit('/', 1)[0]} stopped while starting "
                               f"(exit {process.returncode}; is its port in use?)")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the node did not answer {url} within {seconds} s")


def prepare(folder: Path, node_ids: list[str], base_port: int, ports: dict[str, int] | None = None,
            env: dict[str, dict] | None = None, endpoints: dict[str, str] | None = None) -> list[RunningNode]:
    """Prepare each node in its own process (in parallel), then sign the network's trust list."""
    folder.mkdir(parents=True, exist_ok=True)
    ports, env, endpoints = ports or {}, env or {}, endpoints or {}
    running = [RunningNode(demo_node(n), ports.get(n, base_port + demo_node(n).port_offset), folder / n,
                           env=env.get(n, {}), endpoint=endpoints.get(n)) for n in node_ids]
    jobs = []
    for node in running:
        node.folder.mkdir(parents=True, exist_ok=True)
        jobs.append(subprocess.Popen(_trm("demo-node", "prepare", node.node.node_id), env=node_environment(node.folder),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    for node, job in zip(running, jobs):
        out, err = job.communicate(timeout=300)
        if job.returncode != 0:
            raise RuntimeError(f"preparing {node.node.node_id} failed: {err.strip()[-2000:]}")
        prepared = json.loads(out)
        node.people = prepared["people"]
        (node.folder / "public-keys.json").write_text(json.dumps(prepared["public_keys"]))
    _sign_trust_list(folder, running)
    return running


def _sign_trust_list(folder: Path, running: list[RunningNode]) -> None:
    key, draft, signed = folder / "coordinator.key", folder / "network.json", folder / "trust-list.jws"
    if not key.exists():
        coordinator.coordinator_init(key)
    draft.unlink(missing_ok=True)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    for node in running:
        coordinator.participant_add(
            draft, (node.folder / "public-keys.json").read_text(), country=node.node.country,
            organisations=[node.node.organisation], roles=[node.node.kind], endpoint=node.endpoint or f"{node.url}/exchange/inbox",
            templates=TEMPLATES, languages=list(node.node.languages), now=now,
            network=NETWORK if node is running[0] else None)
    coordinator.trust_list_sign(draft, key, signed, now=now, valid_days=30)


def start(folder: Path, *, node_ids: list[str] | None = None, base_port: int = 8000, ports: dict | None = None,
          quiet: bool = True, worker_interval: float = 0.5, env: dict | None = None,
          endpoints: dict | None = None) -> list[RunningNode]:
    """Prepare, then start every node's server and worker; stop them with ``stop``."""
    running = prepare(folder, node_ids or [n.node_id for n in NODES], base_port, ports, env, endpoints)
    try:
        for node in running:
            node.start_server(quiet=quiet)
            node.start_worker(quiet=quiet, interval=worker_interval)
    except BaseException:
        stop(running)
        raise
    return running


def stop(running: list[RunningNode]) -> None:
    """Ask every worker and server to stop at once, then wait for each (killing what hangs)."""
    processes = [p for node in running for p in (node.worker, node.server) if p is not None and p.poll() is None]
    for process in processes:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    for process in processes:
        _stop(process)
    for node in running:
        node.worker = node.server = None


# --- inside one node's process (trm demo-node prepare|serve) ------------------------------------

def node_prepare(node_id: str) -> dict:
    """Database, people and cases, node keys; the people's passwords and a fresh API token each."""
    from django.core.management import call_command

    from trm.accounts.models import User
    from trm.accounts.services import token_create
    from trm.demo import seed
    from trm.directory import services as directory

    call_command("migrate", interactive=False, verbosity=0)
    node = demo_node(node_id)
    people = seed(node)
    if directory.node_id() is None:
        directory.node_keys_create(node_id=node_id)
    tokens = {name: token_create(user=User.objects.get(username=name)) for name, _, _ in people}
    return {"node_id": node_id, "public_keys": directory.node_public_keys_document(),
            "people": [[name, role, password, tokens[name]] for name, role, password in people]}


def node_join(network_folder: Path) -> None:
    """Trust the demo coordinator and import its newest trust list (a list already held is kept)."""
    from django.utils import timezone as django_timezone

    from trm.directory import services as directory
    from trm.exchange.trustlist import TrustListError

    public = json.loads(coordinator.public_key_path(network_folder / "coordinator.key").read_text())
    directory.coordinator_trust_set(public_jwk=public, replace=True)
    try:
        directory.trust_list_import(jws=(network_folder / "trust-list.jws").read_text(), now=django_timezone.now())
    except TrustListError as error:
        if "rollback" not in str(error):
            raise
