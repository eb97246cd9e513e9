"""The exchange: messages per second end to end between two nodes on loopback, the latency of one
hop, and in the same run the floor they are compared with.

Two real nodes, it-bari and al-tirana, are started with ``trm.network.start`` in a throwaway folder
on free ports, each as ``trm demo`` runs it (gunicorn with two sync workers, and one ``trm worker``
polling every ``WORKER_INTERVAL`` s). Django is never set up in this process: it talks HTTP.

- End to end. ``MESSAGES`` notifications of Elira's case (the minor case on it-bari) are queued one
  after another through the real API, ``POST /api/v1/cases/{id}/messages`` as giulia (each a case
  change, a draft checked against consent and legal basis, a seal and an outbox row in one
  transaction), while it-bari's worker delivers (post, the receiver opens, validates, stores and
  signs a receipt, the worker verifies it and marks the message DELIVERED). Queuing and delivery
  overlap, as they would on a node: the figure is ``MESSAGES`` divided by the time from the first
  POST to the moment the outbox shows every message DELIVERED (polled every ``POLL`` s with one row,
  then checked whole). When each message was stored by the receiver is read afterwards from
  al-tirana's inbox API (``at``, its own clock, the same machine's), which tells how many were
  delivered before queuing ended and how long each waited between its POST's answer and its store.
  Then the same again with it-bari's worker stopped while ``HELD`` messages are queued and started
  afterwards: queuing alone and delivery alone (from the first to the last store at the receiver,
  which leaves the worker's own start out).
- Hop. A child process (``python -m bench.exchange seal DIR N``) sets Django up on it-bari's data
  folder, drafts one notification of Elira's case with ``message_draft`` (the payload
  ``message_send`` would seal; nothing is queued) and seals ``HOPS`` copies of it to al-tirana, each
  with its own message id, with it-bari's keys and trust list. This process posts them one by one
  to al-tirana's ``/exchange/inbox`` (a new connection each, as the worker does) and times each from
  the request to the end of its answer; every answer must be 201 and its receipt must verify with
  al-tirana's signing key (checked after the clock stops: that is the sender's work). The workers
  are idle then.
- Floor. In this process, without Django, with two fresh ``NodeKeys``: seal, open_envelope, receipt
  and verify_receipt of the same payload, plus one committed insert of the envelope and its receipt
  per message into a SQLite table set up as the node's database is (WAL, ``BEGIN IMMEDIATE``,
  SQLite's default synchronous, which the node keeps). Best of ``FLOOR_ROUNDS``.
"""
from __future__ import annotations

import copy
import hashlib
import http.client
import json
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

from bench.node import Client, _children

MESSAGES = 300         # queued through the API with the worker delivering meanwhile
HELD = 150             # queued with the worker stopped, then delivered at once
WARMUP = 4             # messages sent and delivered first, untimed (imports in each process)
HOPS = 200             # sealed envelopes posted one by one to the receiver's inbox
HOP_WARMUP = 10        # of which the first are not timed
FLOOR_MESSAGES = 300   # per round of the floor
FLOOR_ROUNDS = 5
WORKER_INTERVAL = 0.1  # s between the worker's rounds when idle (below 0.1 it does not sleep at all)
POLL = 0.1             # s between looks at the outbox while waiting for the deliveries
DEADLINE = 120         # s allowed for any one wait
ROOT = Path(__file__).resolve().parent.parent
SENDER, RECEIVER = "it-bari", "al-tirana"
CASEWORKER, RECEIVING = "giulia", "besa"
MESSAGE_TYPE = "CASE_NOTIFICATION"
# A node as it runs in production: the demo network's TRM_DEBUG=1 (Django then keeps and quotes every
# query) is turned off; failed attempts are retried after 1 s rather than 15.
NODE_ENV = {"TRM_DEBUG": "0", "TRM_WORKER_RETRY_SECONDS": "1"}


# --- make bench: this process ----------------------------------------------------------------

def run() -> None:
    from trm import network

    folder = Path(tempfile.mkdtemp(prefix="trm-bench-exchange-"))
    running = []
    try:
        load = os.getloadavg()
        print(f"exchange ({SENDER} → {RECEIVER} on loopback, each node gunicorn --workers 2 and one trm worker; "
              f"{os.cpu_count()} cores, load average {load[0]:.1f} at start)")
        sys.stdout.flush()
        started = time.perf_counter()
        running = network.start(folder, node_ids=[SENDER, RECEIVER], ports={SENDER: _free_port(), RECEIVER: _free_port()},
                                worker_interval=WORKER_INTERVAL, env={SENDER: NODE_ENV, RECEIVER: NODE_ENV})
        bari, tirana = running
        print(f"  two nodes prepared and started in {time.perf_counter() - started:.1f} s")
        sender = Client(bari.port, bari.token(CASEWORKER))
        receiver = Client(tirana.port, tirana.token(RECEIVING))
        case_id = _elira(sender)

        warm = [_queue(sender, case_id)[0] for _ in range(WARMUP)]
        _wait_delivered(sender, {m["message_id"] for m in warm}, DEADLINE)

        e2e = _end_to_end(sender, receiver, case_id, running)
        held = _held(bari, sender, receiver, case_id)
        envelopes, payload = _sealed(bari, folder)
        hops = _hops(tirana, envelopes)
        network.stop(running)
        running = []
        floor = _floor(payload, folder)  # on a quiet machine, the nodes stopped
    finally:
        if running:
            network.stop(running)
        shutil.rmtree(folder, ignore_errors=True)
    _table(e2e, held, hops, floor)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _elira(sender: Client) -> int:
    status, content = sender.request("GET", "/api/v1/cases?minor=true")
    if status != 200:
        raise RuntimeError(f"GET /api/v1/cases: HTTP {status}: {content[:300]!r}")
    return next(c["id"] for c in json.loads(content) if c["reference"].startswith("IT-"))


def _queue(sender: Client, case_id: int) -> tuple[dict, float]:
    """One message queued through the API; its summary and how long the POST took (s)."""
    started = time.perf_counter()
    status, content = sender.request("POST", f"/api/v1/cases/{case_id}/messages",
                                     {"type": MESSAGE_TYPE, "receiver": RECEIVER})
    took = time.perf_counter() - started
    if status != 201:
        raise RuntimeError(f"POST /api/v1/cases/{case_id}/messages: HTTP {status}: {content[:300]!r}")
    return json.loads(content), took


def _box(client: Client, box: str) -> list[dict]:
    """The whole inbox or outbox of the client's organisation, newest first, 200 a page."""
    found, offset = [], 0
    while True:
        status, content = client.request("GET", f"/api/v1/messages?box={box}&limit=200&offset={offset}")
        if status != 200:
            raise RuntimeError(f"GET /api/v1/messages?box={box}: HTTP {status}: {content[:300]!r}")
        page = json.loads(content)
        found += page
        if len(page) < 200:
            return found
        offset += 200


def _wait_delivered(sender: Client, ids: set[str], seconds: float) -> float:
    """Wait until every message of ``ids`` is DELIVERED in the outbox; the wall-clock time it was seen.

    The newest message of the outbox (one row) is looked at every POLL s; once it is delivered the
    whole outbox is checked (the worker delivers oldest first, so the newest is nearly always last).
    """
    deadline = time.monotonic() + seconds
    while True:
        status, content = sender.request("GET", "/api/v1/messages?box=outbox&limit=1")
        newest = json.loads(content) if status == 200 else []
        if newest and newest[0]["delivery"] != "QUEUED":
            seen = time.time()
            states = {m["message_id"]: m for m in _box(sender, "outbox") if m["message_id"] in ids}
            if all(m["delivery"] == "DELIVERED" for m in states.values()) and len(states) == len(ids):
                return seen
            failed = [m for m in states.values() if m["delivery"] == "FAILED"]
            if failed:
                raise RuntimeError(f"{len(failed)} message(s) failed: {failed[0]['last_error']}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"not every message was delivered within {seconds} s")
        time.sleep(POLL)


def _stored_at(receiver: Client, ids: set[str]) -> dict[str, float]:
    """When the receiver stored each message (its inbox's ``at``), as wall-clock seconds."""
    stored = {m["message_id"]: _epoch(m["at"]) for m in _box(receiver, "inbox") if m["message_id"] in ids}
    if len(stored) != len(ids):
        raise RuntimeError(f"the receiver holds {len(stored)} of the {len(ids)} messages")
    return stored


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()  # aware: the API writes an offset or Z


def _cpu(running) -> dict[str, float]:
    """CPU seconds used so far by each node's server (gunicorn's master and workers) and worker, and by this process."""
    tick = os.sysconf("SC_CLK_TCK")

    def used(pid: int) -> float:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / tick  # utime and stime

    found = {}
    for node in running:
        name = node.node.node_id
        found[f"{name} server"] = sum(used(pid) for pid in [node.server.pid, *_children(node.server.pid)])
        found[f"{name} worker"] = used(node.worker.pid)
    own = os.times()
    found["this process"] = own.user + own.system
    return found


def _end_to_end(sender: Client, receiver: Client, case_id: int, running) -> dict:
    answered, posts = {}, []
    cpu = _cpu(running)
    first = time.time()
    began = time.perf_counter()
    for _ in range(MESSAGES):
        message, took = _queue(sender, case_id)
        answered[message["message_id"]] = time.time()
        posts.append(took)
    queued = time.perf_counter() - began
    queued_at = time.time()
    done = _wait_delivered(sender, set(answered), DEADLINE)
    cpu = {name: seconds - cpu[name] for name, seconds in _cpu(running).items()}
    stored = _stored_at(receiver, set(answered))
    waits = [(stored[m] - answered[m]) * 1000 for m in answered]
    return {"queue_seconds": queued, "posts": posts, "total_seconds": done - first,
            "before_end": sum(1 for at in stored.values() if at <= queued_at),
            "after_queued_seconds": done - queued_at, "waits": waits,
            "cpu": cpu}


def _held(bari, sender: Client, receiver: Client, case_id: int) -> dict:
    """Queuing with the worker stopped, then delivery alone once it is started again."""
    bari.stop_worker()
    try:
        began = time.perf_counter()
        ids = {_queue(sender, case_id)[0]["message_id"] for _ in range(HELD)}
        queued = time.perf_counter() - began
    finally:
        bari.start_worker(interval=WORKER_INTERVAL)
    _wait_delivered(sender, ids, DEADLINE)
    stored = sorted(_stored_at(receiver, ids).values())
    return {"queue_seconds": queued, "delivery_seconds": stored[-1] - stored[0]}


def _sealed(bari, folder: Path) -> tuple[list[bytes], dict]:
    from trm import network

    env = network.node_environment(bari.folder, {**NODE_ENV, "PYTHONPATH": str(ROOT)})
    subprocess.run([sys.executable, "-m", "bench.exchange", "seal", str(folder), str(HOPS)],
                   env=env, cwd=ROOT, check=True)
    envelopes = (folder / "envelopes.txt").read_bytes().split()
    return envelopes, json.loads((folder / "payload.json").read_text())


def _post_envelope(port: int, envelope: bytes) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("POST", "/exchange/inbox", body=envelope,
                           headers={"Content-Type": "application/jose", "Accept": "application/jose"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _hops(tirana, envelopes: list[bytes]) -> list[float]:
    from trm.exchange.envelope import verify_receipt

    keys = json.loads((tirana.folder / "public-keys.json").read_text())
    signing = [entry["jwk"] for entry in keys["signing_keys"]]
    samples = []
    for index, envelope in enumerate(envelopes):
        started = time.perf_counter()
        status, body = _post_envelope(tirana.port, envelope)
        took = (time.perf_counter() - started) * 1000
        if status != 201:
            raise RuntimeError(f"POST /exchange/inbox: HTTP {status}: {body[:300]!r}")
        verify_receipt(receipt=body, expected_digest=hashlib.sha256(envelope).hexdigest(), signing_jwks=signing)
        if index >= HOP_WARMUP:
            samples.append(took)
    return samples


def _floor(payload: dict, folder: Path) -> dict:
    """Seal, open, receipt, verify the receipt and one committed insert per message, without Django."""
    from trm.exchange.envelope import NodeKeys, open_envelope, receipt, seal, verify_receipt

    now = datetime.now(timezone.utc)
    bari, tirana = NodeKeys.generate(SENDER, now=now), NodeKeys.generate(RECEIVER, now=now)
    to_tirana = tirana.public_jwks()["encryption"]
    bari_signing, tirana_signing = [bari.public_jwks()["signing"]], [tirana.public_jwks()["signing"]]
    database = sqlite3.connect(folder / "floor.sqlite3", isolation_level=None)
    database.execute("PRAGMA journal_mode=WAL")  # as trm.lib.env.SQLITE_OPTIONS; synchronous stays SQLite's default
    synchronous = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}[database.execute("PRAGMA synchronous").fetchone()[0]]
    database.execute("CREATE TABLE inbound (id INTEGER PRIMARY KEY, message_id TEXT UNIQUE NOT NULL, "
                     "digest TEXT NOT NULL, envelope BLOB NOT NULL, receipt TEXT NOT NULL)")
    best, parts = float("inf"), None
    for _ in range(FLOOR_ROUNDS):
        spent = [0.0, 0.0, 0.0, 0.0]
        began = time.perf_counter()
        for _ in range(FLOOR_MESSAGES):
            message_id = str(uuid.uuid4())
            body = copy.deepcopy(payload)
            body["data"]["envelope"]["message_id"] = message_id
            t0 = time.perf_counter()
            envelope = seal(payload=body, message_type=MESSAGE_TYPE, sender=bari, receiver_id=RECEIVER,
                            receiver_encryption_jwk=to_tirana, template="trm-case-report@1.0", now=now,
                            message_id=message_id)
            t1 = time.perf_counter()
            opened = open_envelope(envelope=envelope, receiver=tirana, sender_signing_jwks=lambda _: bari_signing,
                                   now=now)
            t2 = time.perf_counter()
            signed = receipt(opened=opened, receiver=tirana, now=now)
            verify_receipt(receipt=signed, expected_digest=opened.digest, signing_jwks=tirana_signing)
            t3 = time.perf_counter()
            database.execute("BEGIN IMMEDIATE")
            database.execute("INSERT INTO inbound (message_id, digest, envelope, receipt) VALUES (?, ?, ?, ?)",
                             (opened.message_id, opened.digest, envelope, signed.decode("ascii")))
            database.execute("COMMIT")
            t4 = time.perf_counter()
            for i, took in enumerate((t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
                spent[i] += took
        elapsed = time.perf_counter() - began
        if elapsed < best:
            best, parts = elapsed, spent
    database.close()
    return {"rate": FLOOR_MESSAGES / best, "ms": [p / FLOOR_MESSAGES * 1000 for p in parts],
            "synchronous": synchronous, "envelope_bytes": len(envelope)}


def _quantile(samples: list[float], q: int) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[q - 1]


def _table(e2e: dict, held: dict, hops: list[float], floor: dict) -> None:
    posts = [p * 1000 for p in e2e["posts"]]
    rate = MESSAGES / e2e["total_seconds"]
    delivery_alone = (HELD - 1) / held["delivery_seconds"]
    print(f"  queued through the API, worker delivering meanwhile: {MESSAGES} POSTs in {e2e['queue_seconds']:.1f} s "
          f"= {MESSAGES / e2e['queue_seconds']:.1f} POSTs/s (p50 {statistics.median(posts):.0f} ms, "
          f"p99 {_quantile(posts, 99):.0f} ms)")
    print(f"  stored by the receiver before queuing ended: {e2e['before_end']} of {MESSAGES}; all DELIVERED "
          f"(receipts verified) {e2e['after_queued_seconds']:.1f} s after the last POST")
    print(f"  end to end, first POST to all DELIVERED: {MESSAGES} in {e2e['total_seconds']:.1f} s = {rate:.1f} messages/s "
          f"({1000 / rate:.0f} ms a message; outbox seen every {POLL} s)")
    print(f"  from a POST's answer to the receiver's store, each message: p50 {statistics.median(e2e['waits']):.0f} ms, "
          f"p99 {_quantile(e2e['waits'], 99):.0f} ms")
    cpu = e2e["cpu"]
    each = ", ".join(f"{name} {seconds / MESSAGES * 1000:.1f} ms" for name, seconds in cpu.items())
    print(f"  CPU meanwhile, per message: {each}; {sum(cpu.values()):.1f} s of CPU in {e2e['total_seconds']:.1f} s "
          f"on {os.cpu_count()} cores")
    print(f"  worker stopped while {HELD} were queued: {HELD / held['queue_seconds']:.1f} POSTs/s; then delivery alone "
          f"(first to last store at the receiver): {delivery_alone:.1f} messages/s")
    print(f"  hop (POST /exchange/inbox of a sealed envelope until its receipt is back; {len(hops)} sequential after "
          f"{HOP_WARMUP} warm-up, each a 201 whose receipt verifies): p50 {statistics.median(hops):.1f} ms, "
          f"p99 {_quantile(hops, 99):.1f} ms")
    seal_ms, open_ms, receipt_ms, insert_ms = floor["ms"]
    print(f"  floor (this process, no Django; envelope {floor['envelope_bytes']:,} bytes; best of {FLOOR_ROUNDS} × "
          f"{FLOOR_MESSAGES}): seal {seal_ms:.2f} ms, open {open_ms:.2f} ms, receipt + verify {receipt_ms:.2f} ms, "
          f"committed insert {insert_ms:.2f} ms (SQLite WAL, synchronous={floor['synchronous']})")
    print(f"\n  {'messages':>8}{'e2e msg/s':>11}{'floor msg/s':>13}{'e2e/floor':>11}{'hop p50 ms':>12}{'hop p99 ms':>12}")
    print(f"  {MESSAGES:>8}{rate:>11.1f}{floor['rate']:>13.1f}{rate / floor['rate']:>11.3f}"
          f"{statistics.median(hops):>12.1f}{_quantile(hops, 99):>12.1f}   (aim: at least 0.5)")
    print(f"  delivery alone / floor: {delivery_alone / floor['rate']:.3f}\n")


# --- python -m bench.exchange seal DIR N: the child that sets Django up on it-bari's folder ------

def seal_envelopes(out: str, count: int) -> None:
    import django
    django.setup()
    from django.utils import timezone as django_timezone

    from trm.accounts.models import User
    from trm.cases.models import Case
    from trm.directory import services as directory
    from trm.exchange.envelope import seal
    from trm.exchange.sending import message_draft

    now = django_timezone.now()
    giulia = User.objects.get(username=CASEWORKER)
    case = Case.objects.filter(organisation=giulia.organisation, is_minor=True,
                               reference__startswith="IT-").order_by("pk").first()
    draft = message_draft(actor=giulia, case=case, receiver=RECEIVER, message_type=MESSAGE_TYPE, now=now)
    keys, trust = directory.node_keys(), directory.usable_trust_list(now=now)
    to = trust.encryption_jwk(RECEIVER, at=now)
    lines = []
    for _ in range(count):
        message_id = str(uuid.uuid4())
        payload = copy.deepcopy(draft.payload)
        payload["data"]["envelope"]["message_id"] = message_id
        lines.append(seal(payload=payload, message_type=MESSAGE_TYPE, sender=keys, receiver_id=RECEIVER,
                          receiver_encryption_jwk=to, template=draft.template.id, now=now, message_id=message_id))
    (Path(out) / "envelopes.txt").write_bytes(b"\n".join(lines) + b"\n")
    (Path(out) / "payload.json").write_text(json.dumps(draft.payload))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "seal":
        seal_envelopes(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit("usage: python -m bench.exchange seal DIR COUNT (make bench runs it)")
