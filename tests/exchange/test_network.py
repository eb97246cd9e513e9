"""Two real nodes on loopback, each its own processes and database, talking HTTP: no mocks between them.

The Italian NGO's node (it-bari) and the Albanian national contact point (al-tirana) run as
``trm demo`` runs them. Tirana is reached through a small relay in this test, so that a test can
hold its answers back (a worker killed mid-delivery) or see what was posted.
"""
import http.server
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest

from trm import network

pytestmark = pytest.mark.network


def free_port(count: int = 1) -> int:
    """The first of ``count`` free ports in a row, below the range the system hands out to clients."""
    import random
    for _ in range(200):
        base = random.randrange(20_000, 30_000)
        sockets = [socket.socket() for _ in range(count)]
        try:
            for offset, s in enumerate(sockets):
                s.bind(("127.0.0.1", base + offset))
            return base
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
    raise RuntimeError("no free ports")


class Relay:
    """Forwards POSTs to Tirana's inbox; while ``hold`` is set it forwards, then never answers."""

    def __init__(self, target_port: int):
        self.target = f"http://127.0.0.1:{target_port}/exchange/inbox"
        self.hold = threading.Event()
        self.posted: list[tuple[bytes, int]] = []
        relay = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                request = urllib.request.Request(relay.target, data=body, method="POST",
                                                 headers={"Content-Type": self.headers.get("Content-Type", "")})
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:
                        status, answer, kind = response.status, response.read(), response.headers["Content-Type"]
                except urllib.error.HTTPError as error:
                    status, answer, kind = error.code, error.read(), error.headers["Content-Type"]
                except OSError:
                    self.send_error(502)
                    return
                relay.posted.append((body, status))
                if relay.hold.is_set():
                    time.sleep(60)  # the sender's worker is killed while it waits for this answer
                    return
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.port = free_port()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture(scope="module")
def nodes(tmp_path_factory):
    ports = {"it-bari": free_port(), "al-tirana": free_port()}
    relay = Relay(ports["al-tirana"])
    quick = {"TRM_WORKER_LEASE_SECONDS": "3", "TRM_WORKER_RETRY_SECONDS": "1"}
    running = network.start(tmp_path_factory.mktemp("network"), node_ids=["it-bari", "al-tirana"], ports=ports,
                            env={"it-bari": quick, "al-tirana": quick},
                            endpoints={"al-tirana": f"http://127.0.0.1:{relay.port}/exchange/inbox"},
                            worker_interval=0.2)
    bari, tirana = running
    try:
        yield bari, tirana, relay
    finally:
        network.stop(running)
        relay.close()


def call(node, user, method, path, body=None, language="en"):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{node.url}/api/v1{path}", data=data, method=method, headers={
        "Authorization": f"Bearer {node.token(user)}", "Content-Type": "application/json", "Accept-Language": language})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def eventually(check, seconds=40):
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError("not within the time allowed")
        time.sleep(0.25)


def elira_case(bari) -> int:
    status, cases = call(bari, "giulia", "GET", "/cases?minor=true")
    return next(c["id"] for c in cases if c["reference"].startswith("IT-"))


def sent(bari, message_id):
    return next(m for m in call(bari, "giulia", "GET", "/messages?box=outbox")[1] if m["message_id"] == message_id)


def in_tirana(tirana, message_id):
    return [m for m in call(tirana, "besa", "GET", "/messages?box=inbox")[1] if m["message_id"] == message_id]


def test_a_notification_and_its_acceptance_round_trip(nodes):
    bari, tirana, _ = nodes
    status, message = call(bari, "giulia", "POST", f"/cases/{elira_case(bari)}/messages",
                           {"type": "CASE_NOTIFICATION", "receiver": "al-tirana"})
    assert status == 201, message
    eventually(lambda: sent(bari, message["message_id"])["delivery"] == "DELIVERED")
    [received] = in_tirana(tirana, message["message_id"])
    assert received["sender"] == "it-bari" and received["case_id"] is None

    status, detail = call(tirana, "besa", "GET", f"/messages/{received['message_id']}", language="sq")
    assert detail["payload"]["data"]["identity"]["names"][0]["value_original"] == "Elira"
    assert "contact" not in detail["payload"]["data"]["identity"]

    status, accepted = call(tirana, "besa", "POST", f"/messages/{received['message_id']}/accept", {})
    assert status == 200 and accepted["answer"] == "ACCEPTED" and accepted["case_id"], accepted
    status, local = call(tirana, "besa", "GET", f"/cases/{accepted['case_id']}")
    assert local["reference"].startswith("AL-")

    eventually(lambda: sent(bari, message["message_id"])["answer"] == "ACCEPTED")
    answers = [m for m in call(bari, "giulia", "GET", "/messages?box=inbox")[1]
               if m["in_reply_to"] == message["message_id"]]
    assert [a["type"] for a in answers] == ["REFERRAL_ACCEPTED"] and answers[0]["case_id"] == message["case_id"]


def test_a_request_is_answered_on_the_receivers_case_and_the_answer_reaches_the_senders(nodes):
    bari, tirana, _ = nodes
    case_id = elira_case(bari)
    status, request = call(bari, "giulia", "POST", f"/cases/{case_id}/messages",
                           {"type": "IDENTITY_VERIFICATION_REQUEST", "receiver": "al-tirana"})
    assert status == 201 and request["due_at"], request
    [received] = eventually(lambda: in_tirana(tirana, request["message_id"]))
    assert received["due_at"] and not received["overdue"]
    status, own = call(tirana, "besa", "GET", "/cases")
    status, attached = call(tirana, "besa", "POST", f"/messages/{received['message_id']}/attach",
                            {"case_id": own[0]["id"]})
    assert status == 200 and attached["case_id"] == own[0]["id"]
    status, answer = call(tirana, "besa", "POST", f"/cases/{own[0]['id']}/messages", {
        "type": "IDENTITY_VERIFICATION_RESPONSE", "receiver": "it-bari", "in_reply_to": request["message_id"],
        "legal_basis": {"regime": "NATIONAL_NON_EU", "transfer_basis": "ART46_3B_ADMIN_ARRANGEMENT"}})
    assert status == 201, answer
    eventually(lambda: sent(bari, request["message_id"])["answer"] == "ANSWERED")
    requests = call(bari, "giulia", "GET", f"/cases/{case_id}")[1]["report"]["data"]["log"]["requests"]
    logged = [r for r in requests if r["type"] == "IDENTITY_VERIFICATION_REQUEST"]
    assert logged[-1]["status"] == "ANSWERED" and logged[-1]["answered"]


def test_a_declined_notification_tells_the_sender_why(nodes):
    bari, tirana, _ = nodes
    status, message = call(bari, "giulia", "POST", f"/cases/{elira_case(bari)}/messages",
                           {"type": "CASE_NOTIFICATION", "receiver": "al-tirana"})
    [received] = eventually(lambda: in_tirana(tirana, message["message_id"]))
    status, declined = call(tirana, "besa", "POST", f"/messages/{received['message_id']}/decline",
                            {"reason": "Already known here"})
    assert status == 200 and declined["answer"] == "DECLINED"
    eventually(lambda: sent(bari, message["message_id"])["answer"] == "DECLINED")
    answer = next(m for m in call(bari, "giulia", "GET", "/messages?box=inbox")[1]
                  if m["in_reply_to"] == message["message_id"])
    status, detail = call(bari, "giulia", "GET", f"/messages/{answer['message_id']}")
    assert detail["type"] == "REFERRAL_DECLINED" and detail["payload"]["data"]["envelope"]["note"] == "Already known here"


def test_a_receiver_that_is_down_gets_the_message_once_it_is_up(nodes):
    bari, tirana, _ = nodes
    tirana.stop_server()
    try:
        status, message = call(bari, "giulia", "POST", f"/cases/{elira_case(bari)}/messages",
                               {"type": "CASE_NOTIFICATION", "receiver": "al-tirana"})
        eventually(lambda: sent(bari, message["message_id"])["last_error"])
        assert sent(bari, message["message_id"])["delivery"] == "QUEUED"
    finally:
        tirana.start_server()
    eventually(lambda: sent(bari, message["message_id"])["delivery"] == "DELIVERED")
    assert len(in_tirana(tirana, message["message_id"])) == 1


def test_a_worker_killed_mid_delivery_loses_nothing_and_duplicates_nothing(nodes):
    bari, tirana, relay = nodes
    relay.hold.set()
    try:
        status, message = call(bari, "giulia", "POST", f"/cases/{elira_case(bari)}/messages",
                               {"type": "CASE_NOTIFICATION", "receiver": "al-tirana"})
        eventually(lambda: in_tirana(tirana, message["message_id"]))  # Tirana has it; Bari's worker waits
        bari.stop_worker(kill=True)
        assert sent(bari, message["message_id"])["delivery"] == "QUEUED"
    finally:
        relay.hold.clear()
    bari.start_worker(interval=0.2)
    eventually(lambda: sent(bari, message["message_id"])["delivery"] == "DELIVERED")
    assert len(in_tirana(tirana, message["message_id"])) == 1
    bodies = [body for body, _ in relay.posted[-2:]]
    assert bodies[0] == bodies[1] and [code for _, code in relay.posted[-2:]] == [201, 200]


def test_an_exported_envelope_imported_by_file_is_the_same_message_and_a_tampered_one_is_refused(nodes, tmp_path):
    bari, tirana, relay = nodes
    tirana.stop_worker()
    bari.stop_worker()  # no connection (story 8): the message waits in the outbox
    try:
        status, message = call(bari, "giulia", "POST", f"/cases/{elira_case(bari)}/messages",
                               {"type": "CASE_NOTIFICATION", "receiver": "al-tirana"})
        path = tmp_path / "message.jwe"
        trm = [sys.executable, "-m", "trm.cli"]
        exported = subprocess.run([*trm, "exchange", "export", message["message_id"], "-o", str(path)],
                                  env=network.node_environment(bari.folder), capture_output=True, text=True)
        assert exported.returncode == 0, exported.stderr
        envelope = path.read_bytes().strip()
        tampered = envelope[:-12] + (b"A" if envelope[-12:-11] != b"A" else b"B") + envelope[-11:]
        request = urllib.request.Request(f"{tirana.url}/exchange/inbox", data=tampered, method="POST",
                                         headers={"Content-Type": "application/jose"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)
        assert refused.value.code == 400 and json.loads(refused.value.read())["errors"][0]["code"] == "undecryptable"
        assert in_tirana(tirana, message["message_id"]) == []
        imported = subprocess.run([*trm, "exchange", "import", str(path)],
                                  env=network.node_environment(tirana.folder), capture_output=True, text=True)
        assert imported.returncode == 0, imported.stderr
        assert len(in_tirana(tirana, message["message_id"])) == 1
        # the receipt travels back the same way, and Bari knows it was delivered
        receipt = tmp_path / "receipt.jws"
        receipt.write_text(imported.stdout)
        forged = tmp_path / "forged.jws"
        forged.write_text(imported.stdout.replace(".", ".x", 1))
        refused = subprocess.run([*trm, "exchange", "receipt", message["message_id"], str(forged)],
                                 env=network.node_environment(bari.folder), capture_output=True, text=True)
        assert refused.returncode == 1 and sent(bari, message["message_id"])["delivery"] == "QUEUED"
        taken = subprocess.run([*trm, "exchange", "receipt", message["message_id"], str(receipt)],
                               env=network.node_environment(bari.folder), capture_output=True, text=True)
        assert taken.returncode == 0, taken.stderr
        assert sent(bari, message["message_id"])["delivery"] == "DELIVERED"
    finally:
        bari.start_worker(interval=0.2)
        tirana.start_worker(interval=0.2)
    eventually(lambda: sent(bari, message["message_id"])["delivery"] == "DELIVERED")
    assert len(in_tirana(tirana, message["message_id"])) == 1


def test_please_forget_me_a_withdrawal_reaches_the_receivers_case_and_is_confirmed(nodes):
    """Story 5, across two nodes: the node that was sent Elira's case is told of the withdrawal of
    her consent on its own case, confirms, and Bari sees the confirmation. Last of the module: it
    withdraws the consent the other tests send under."""
    bari, tirana, _ = nodes
    case_id = elira_case(bari)
    status, notified = call(bari, "giulia", "POST", f"/cases/{case_id}/messages",
                            {"type": "CASE_NOTIFICATION", "receiver": "al-tirana"})
    [received] = eventually(lambda: in_tirana(tirana, notified["message_id"]))
    status, accepted = call(tirana, "besa", "POST", f"/messages/{received['message_id']}/accept", {})
    assert status == 200, accepted

    status, withdrawn = call(bari, "giulia", "POST", f"/cases/{case_id}/consents/0/withdraw", {})
    assert status == 200 and withdrawn["not_notified"] == [], withdrawn
    [notice] = [n for n in withdrawn["notices"] if n["receiver"] == "al-tirana"]
    [told] = eventually(lambda: in_tirana(tirana, notice["message_id"]))
    assert told["type"] == "CONSENT_WITHDRAWN" and told["case_id"] == accepted["case_id"]

    status, confirmed = call(tirana, "besa", "POST", f"/cases/{accepted['case_id']}/messages",
                             {"type": "ACK", "receiver": "it-bari", "in_reply_to": notice["message_id"],
                              "note": "Restricted here"})
    assert status == 201, confirmed
    eventually(lambda: sent(bari, notice["message_id"])["answer"] == "ANSWERED")


def test_ctrl_c_stops_the_whole_demo_network(tmp_path):
    ports = [free_port(3)]
    demo = subprocess.Popen([sys.executable, "-m", "trm.cli", "demo", "--port", str(ports[0])], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
                            env={k: v for k, v in os.environ.items() if k != "TRM_DATABASE_URL"})
    lines, ready = [], threading.Event()

    def read():  # all of it, to the end: the nodes' logs must never fill the pipe and block them
        for line in demo.stdout:
            lines.append(line)
            if "Ctrl-C stops every node" in line:
                ready.set()
        ready.set()
    threading.Thread(target=read, daemon=True).start()
    try:
        assert ready.wait(timeout=240)
        text = "".join(lines)
        assert "giulia" in text and "besa" in text and "elena" in text, text[-2000:]
        for port in (ports[0], ports[0] + 1, ports[0] + 2):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=10) as response:
                assert response.status == 200
        demo.send_signal(signal.SIGINT)
        demo.wait(timeout=60)
    finally:
        if demo.poll() is None:
            os.killpg(demo.pid, signal.SIGKILL)
    for port in (ports[0], ports[0] + 1, ports[0] + 2):
        with pytest.raises(OSError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=3)
