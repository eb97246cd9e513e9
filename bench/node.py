"""The node: case list and search latency at 100,000 cases on SQLite against a bare endpoint (/health),
idle memory of a node, and the weight of each UI page.

Everything happens in a throwaway data directory. A child process (``python -m bench.node build DIR``)
sets Django up on it, opens the first cases through ``case_create`` (the honest path, whose rate is
printed), clones the rest with ``bulk_create`` (identities re-encrypted per case, name indexes
recomputed), and weighs the pages with Django's test client. Django is set up in that child, never
in the ``make bench`` process, so that other benchmarks may set up their own nodes. This process
then starts ``trm serve`` on loopback and times sequential HTTP requests against it.
"""
from __future__ import annotations

import gzip
import http.client
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import date, datetime, timedelta, timezone as dt_timezone
from pathlib import Path

CASES = 100_000          # cases in the database
CREATED = 1_000          # of which opened through trm.cases.services.case_create
BATCH = 5_000            # cases per bulk transaction when cloning
REQUESTS = 300           # timed requests per endpoint, sequential
WARMUP = 20              # untimed requests per endpoint first
ENDPOINT_SECONDS = 20.0  # and at most this long per endpoint (the count used is printed)
PAGE_LIMIT = 100 * 1024  # bytes per page (DESIGN.md)
WORKERS = 2
ROOT = Path(__file__).resolve().parent.parent
FACTS = "bench-node.json"

# Names as people write them (accents, Cyrillic, Greek): 60 given × 100 family names, so that a full
# name is shared by about 17 cases in 100,000 and a family name by about 1,000.
GIVEN = (
    "Elira Arta Blerta Drita Fatmira Mimoza Arben Ilir Besnik Gentian Ion Vasile Mihai Andrei Ana Maria "
    "Elena Ioana Cristina Natalia Dragan Milan Nikola Jelena Milica Snežana Zoran Marko Stefan Ştefan "
    "Blessing Joy Precious Favour Osas Efe Chinedu Olena Oksana Iryna Dmytro Taras Вікторія Світлана "
    "Fatima Khadija Youssef Imran Ayesha Bilal Rahim Nasrin Lin Wei Mei Georgios Eleni Δήμητρα Γιάννης Ali"
).split()
FAMILY = (
    "Hoxha Berisha Krasniqi Gashi Shala Morina Kelmendi Bytyqi Leka Dervishi Popescu Ionescu Rusu "
    "Munteanu Ciobanu Ceban Lungu Rotari Cojocaru Sârbu Țurcanu Moraru Petrović Jovanović Nikolić "
    "Marković Đorđević Stojanović Ilić Pavlović Kovačević Hadžić Mehmedović Begić Delić Ivanov Petrov "
    "Georgiev Dimitrov Stoyanov Kolev Okafor Okonkwo Eze Osagie Igbinedion Adeyemi Obi Nwosu Edo Ogbe "
    "Kovalenko Shevchenko Bondarenko Tkachenko Melnyk Kravchenko Ковальчук Бойко Ткачук Савченко "
    "Khan Hussain Ahmed Rahman Chowdhury Islam Akhtar Iqbal Malik Sheikh Benali Amrani Alaoui Idrissi "
    "Tazi Wang Zhang Liu Chen Zhao Papadopoulos Παπαδοπούλου Nikolaidis Γεωργίου Karamanlis Dimou "
    "Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo Conti De Luca Costa Giordano"
).split()
ORIGINS = ["AL", "MD", "RS", "RO", "BG", "NG", "UA", "MK", "XK", "BA", "ME", "PK", "BD", "MA", "CN"]
EXPLOITATION = [
    ["FORCED_LABOUR"], ["FORCED_LABOUR"], ["SEXUAL_EXPLOITATION"], ["SEXUAL_EXPLOITATION"], ["FORCED_BEGGING"],
    ["DOMESTIC_SERVITUDE"], ["CRIMINAL_ACTIVITIES"], ["SEXUAL_EXPLOITATION", "FORCED_MARRIAGE"],
    ["FORCED_LABOUR", "DOMESTIC_SERVITUDE"], ["UNKNOWN"],
]
LABOUR = {"FORCED_LABOUR", "FORCED_BEGGING", "CRIMINAL_ACTIVITIES", "DOMESTIC_SERVITUDE", "CHILD_LABOUR"}
STATUSES = ["ACTIVE"] * 5 + ["FOLLOW_UP"] * 2 + ["CLOSED"] * 2 + ["CLOSED_REFERRED"]
STAGES = ["IDENTIFICATION", "FIRST_ASSISTANCE", "LONG_TERM_ASSISTANCE", "RETURN_REINTEGRATION"]
SECTORS = ["NGO", "POLICE", "LABOUR_INSPECTION", "SOCIAL_SERVICES", "HELPLINE", "BORDER_POLICE"]


# --- make bench: this process ----------------------------------------------------------------

def run() -> None:
    data_dir = tempfile.mkdtemp(prefix="trm-bench-node-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRM_")}
    env.update(TRM_DATA_DIR=data_dir, DJANGO_SETTINGS_MODULE="trm.settings", TRM_SECURE_COOKIES="0",
               TRM_ALLOWED_HOSTS="127.0.0.1", PYTHONPATH=str(ROOT))
    server = None
    try:
        load = os.getloadavg()
        print(f"node (SQLite in a temporary directory; {os.cpu_count()} cores, load average {load[0]:.1f} at start)")
        sys.stdout.flush()
        subprocess.run([sys.executable, "-m", "bench.node", "build", data_dir, str(CASES), str(CREATED)],
                       env=env, cwd=ROOT, check=True)
        facts = json.loads((Path(data_dir) / FACTS).read_text())
        port = _free_port()
        started = time.perf_counter()
        server = _start(env, port, Path(data_dir) / "server.log")
        _wait_until_ready(server, port, Path(data_dir) / "server.log")
        print(f"  trm serve --workers {WORKERS} answered after {time.perf_counter() - started:.1f} s")
        time.sleep(1.0)
        idle = _rss_mb(server.pid)
        _latencies(port, facts)
        after = _rss_mb(server.pid)
        _memory(idle, after)
        _pages(facts["pages"])
    finally:
        if server is not None:
            _stop(server)
        shutil.rmtree(data_dir, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(env: dict, port: int, log_path: Path) -> subprocess.Popen:
    script = Path(sys.executable).with_name("trm")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "trm.cli"]
    log = open(log_path, "wb")
    server = subprocess.Popen(command + ["serve", "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS)],
                              env=env, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)
    log.close()
    return server


def _wait_until_ready(server: subprocess.Popen, port: int, log_path: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"trm serve exited ({server.returncode}):\n{_tail(log_path)}")
        try:
            status, _ = Client(port).request("GET", "/health")
            if status == 200 and len(_children(server.pid)) >= WORKERS:
                return
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"trm serve did not answer within 90 s:\n{_tail(log_path)}")


def _stop(server: subprocess.Popen) -> None:
    """TERM to the server's own process group (gunicorn's master and its workers), KILL if it lingers."""
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        try:
            os.killpg(server.pid, sig)
        except ProcessLookupError:
            pass
        try:
            server.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


class Client:
    """Sequential HTTP/1.1 on loopback; reuses the connection when the server keeps it open
    (gunicorn's sync workers close it after every response, so each request connects anew)."""

    def __init__(self, port: int, token: str | None = None):
        self.port, self.connection, self.connections = port, None, 0
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            self.connections += 1
        headers = dict(self.headers)
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            self.connection.request(method, path, body=payload, headers=headers)
            response = self.connection.getresponse()
            content = response.read()
        except (http.client.HTTPException, OSError):
            self.connection.close()
            self.connection = None
            raise
        if response.will_close:
            self.connection.close()
            self.connection = None
        return response.status, content


def _latencies(port: int, facts: dict) -> None:
    client = Client(port, facts["token"])
    endpoints = [
        ("GET /health", "GET", "/health", None),
        ("GET /api/v1/cases (first page, 50)", "GET", "/api/v1/cases", None),
        ("GET /api/v1/cases?exploitation=FORCED_LABOUR&minor=true", "GET",
         "/api/v1/cases?exploitation=FORCED_LABOUR&minor=true", None),
        (f"POST /api/v1/cases/search full name ({facts['name_cases']} cases)", "POST", "/api/v1/cases/search",
         {"q": facts["name"]}),
        (f"POST /api/v1/cases/search family name ({facts['family_cases']} cases)", "POST", "/api/v1/cases/search",
         {"q": facts["family"]}),
        ("GET /api/v1/cases?exploitation=ORGAN_REMOVAL (no case has it)", "GET",
         "/api/v1/cases?exploitation=ORGAN_REMOVAL", None),
        ("POST /api/v1/cases/search reference", "POST", "/api/v1/cases/search", {"q": facts["reference"]}),
        ("GET /api/v1/cases/{id} (whole case, vault decrypted)", "GET", f"/api/v1/cases/{facts['case_id']}", None),
    ]
    rows, requests = [], 0
    for label, method, path, body in endpoints:
        for _ in range(WARMUP):
            status, content = client.request(method, path, body)
            requests += 1
            if status != 200:
                raise RuntimeError(f"{label}: HTTP {status}: {content[:300]!r}")
        samples = []
        began = time.perf_counter()
        while len(samples) < REQUESTS and time.perf_counter() - began < ENDPOINT_SECONDS:
            started = time.perf_counter()
            status, content = client.request(method, path, body)
            samples.append((time.perf_counter() - started) * 1000)
            requests += 1
            if status != 200:
                raise RuntimeError(f"{label}: HTTP {status}: {content[:300]!r}")
        answer = json.loads(content)
        found = len(answer) if isinstance(answer, list) else 1
        rows.append((label, len(samples), statistics.median(samples), _p95(samples), found, len(content)))
    base = rows[0][2]
    reuse = "a new connection each" if client.connections >= requests else f"{client.connections} connections"
    print(f"  latency at {facts['cases']:,} cases: {requests} sequential requests on loopback "
          f"({WARMUP} warm-up per endpoint, {reuse})")
    print(f"  {'endpoint':<66}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}{'p50/health':>12}{'rows':>6}{'bytes':>8}")
    for label, count, p50, p95, found, size in rows:
        print(f"  {label:<66}{count:>5}{p50:>9.1f}{p95:>9.1f}{p50 / base:>12.1f}{found:>6}{size:>8}")


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20, method="inclusive")[18] if len(samples) > 1 else samples[0]


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry))
    return found


def _rss_mb(master: int) -> dict:
    def rss(pid: int) -> float:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0
    def pss(pid: int) -> float:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return 0.0
    workers = sorted(_children(master))
    return {"master": rss(master), "workers": [rss(w) for w in workers],
            "pss": pss(master) + sum(pss(w) for w in workers)}


def _memory(idle: dict, after: dict) -> None:
    def line(label, m):
        workers = " + ".join(f"{w:.1f}" for w in m["workers"])
        total = m["master"] + sum(m["workers"])
        return f"  {label:<26}{m['master']:>8.1f}   {workers:<16}{total:>8.1f}{m['pss']:>8.1f}"
    print(f"\n  memory of the node (MB: VmRSS per process and their sum; PSS shares pages out between them)")
    print(f"  {'':<26}{'master':>8}   {'workers':<16}{'RSS sum':>8}{'PSS':>8}")
    print(line("idle, after start", idle))
    print(line("after the requests", after))


def _pages(pages: list) -> None:
    print(f"\n  page weight (HTML as served, logged in as a caseworker; limit {PAGE_LIMIT // 1024} KB each)")
    print(f"  {'page':<22}{'bytes':>9}{'KB':>8}{'gzip KB':>9}{'render ms':>11}")
    for path, size, zipped, ms in pages:
        verdict = "OK" if size <= PAGE_LIMIT else "OVER"
        print(f"  {path:<22}{size:>9,}{size / 1024:>8.1f}{zipped / 1024:>9.1f}{ms:>11.1f}  {verdict}")
    static = ROOT / "trm" / "web" / "static" / "web"
    assets = sum(p.stat().st_size for p in (static / "trm.css", static / "htmx.min.js") if p.exists())
    print(f"  static assets of every page (trm.css, htmx.min.js; cacheable): {assets / 1024:.1f} KB\n")


# --- python -m bench.node build DIR: the child that sets Django up ------------------------------

def build(data_dir: str, cases: int, created: int) -> None:
    import django
    django.setup()
    from django.core.management import call_command

    from trm.accounts.services import organisation_create, token_create, user_create
    from trm.cases.models import Case
    from trm.cases.services import case_create

    from django.conf import settings

    from trm.lib import vault as crypto
    crypto.create_key_file(settings.DATA_KEY_FILE)  # as `trm init` does
    call_command("migrate", interactive=False, verbosity=0)
    org = organisation_create(name="On the Road, Apulia", country="IT", kind="NGO")
    user, _ = user_create(username="giulia", organisation=org, role="CASEWORKER")
    token = token_create(user=user)
    rng = random.Random(2026)
    today = date.today()

    began = time.perf_counter()
    created = min(created, cases)
    for _ in range(created):
        case_create(actor=user, report=_report(rng, today))
    created_seconds = time.perf_counter() - began
    last_created = Case.objects.order_by("-pk").values_list("pk", flat=True).first()
    print(f"  case_create: {created / created_seconds:,.0f} cases/s "
          f"(first {created:,} cases: validate, derive, seal, index, event, audit)")

    cloned_began = time.perf_counter()
    names = _clone(org, user, rng, cases - created)
    cloned_seconds = time.perf_counter() - cloned_began
    database = Path(data_dir) / "trm.sqlite3"
    size = sum(p.stat().st_size for p in database.parent.glob("trm.sqlite3*"))
    print(f"  {cases - created:,} more cases cloned with bulk_create in {cloned_seconds:.1f} s; "
          f"{cases:,} cases built in {created_seconds + cloned_seconds:.1f} s; database {size / 2**20:,.0f} MB")

    filtered = Case.objects.filter(exploitation_codes__contains="|FORCED_LABOUR|", is_minor=True).count()
    name, name_cases = names["full"].most_common()[len(names["full"]) // 2]  # a typical name of each kind
    family, family_cases = names["family"].most_common()[len(names["family"]) // 2]
    reference = Case.objects.order_by("pk").values_list("reference", flat=True)[cases // 2]
    rich = _richest_case(org, last_created)
    print(f"  FORCED_LABOUR and minor: {filtered:,} of {Case.objects.count():,} cases")
    facts = {"token": token, "cases": Case.objects.count(), "name": name, "name_cases": name_cases,
             "family": family, "family_cases": family_cases, "reference": reference, "case_id": rich,
             "pages": _page_weights(user, rich)}
    (Path(data_dir) / FACTS).write_text(json.dumps(facts))


def _report(rng: random.Random, today: date) -> dict:
    """A valid report of the template, varied: names, status, stage, exploitation, child or adult, origin."""
    minor = rng.random() < 0.25
    types = set(rng.choice(EXPLOITATION))
    if minor and "FORCED_LABOUR" in types and rng.random() < 0.5:
        types.add("CHILD_LABOUR")
    origin, status = rng.choice(ORIGINS), rng.choice(STATUSES)
    trafficking = rng.choice(["POSSIBLE", "PRESUMED_REASONABLE_GROUNDS", "PRESUMED_REASONABLE_GROUNDS", "IDENTIFIED_FORMAL"])
    first = today - timedelta(days=rng.randint(10, 700))
    overview = {
        "case_type": "INDIVIDUAL", "case_status": status, "stage": rng.choice(STAGES), "trafficking_status": trafficking,
        "first_contact_date": first.isoformat(), "identified_by_sector": rng.choice(SECTORS),
        "countries": [{"country": origin, "role": "ORIGIN"}, {"country": "IT", "role": "DESTINATION"}],
        "exploitation_types": sorted(types),
    }
    if trafficking in ("PRESUMED_REASONABLE_GROUNDS", "IDENTIFIED_FORMAL"):
        overview["reasonable_grounds_date"] = (first + timedelta(days=2)).isoformat()
    if trafficking == "IDENTIFIED_FORMAL":
        overview["formal_identification_date"] = (first + timedelta(days=5)).isoformat()
        overview["status_decision_org_type"] = "Police"
    identity = {
        "names": [{"type": "GIVEN", "value_original": rng.choice(GIVEN)}, {"type": "FAMILY", "value_original": rng.choice(FAMILY)}],
        "sex_gender": rng.choice(["Feminine", "Masculine"]), "citizenships": [origin],
        "date_of_birth": str(today.year - (rng.randint(12, 16) if minor else rng.randint(19, 60))),
        "date_of_birth_precision": "YEAR",
        "contact": {"address": f"Via dei Campi {rng.randint(1, 200)}", "locality": "Foggia", "country": "IT"},
    }
    data = {"overview": overview, "identity": identity}
    if types & LABOUR:
        data["situation"] = {"exploitation": {"labour_sector": rng.choice("ACFGI")},
                             "means_of_control": ["WithholdsDocuments", "TakesEarnings"]}
    if minor:
        data["child"] = {"unaccompanied_status": "UNACCOMPANIED",
                         "guardian": {"requested_on": (first + timedelta(days=1)).isoformat(), "appointed": False}}
        data["consent"] = {"consents": [{
            "scope": "SHARE_WITH_COUNTRY", "recipient": origin, "purpose": "Identity verification and family assessment",
            "given_by": "BOTH", "child_views_recorded": True, "informed_language": "en", "interpreter_used": True,
            "date": (first + timedelta(days=3)).isoformat()}]}
    if status in ("CLOSED", "CLOSED_REFERRED"):
        data["log"] = {"closure": {"date": (first + timedelta(days=9)).isoformat(),
                                   "reason": "REFERRED" if status == "CLOSED_REFERRED" else "ASSISTANCE_COMPLETED"}}
    return {"template": "trm-case-report", "version": "1.0", "language": "it", "data": data}


def _clone(org, user, rng: random.Random, count: int) -> dict:
    """``count`` more cases like those already opened, each with its own names, dates and reference,
    its identity sealed for its own id (the AAD), its name digests and its CREATED event."""
    from django.db import transaction

    from trm.cases import vault
    from trm.cases.models import Case, CaseEvent, CaseIdentity, CaseSequence, EventKind, NameIndex

    sources = []
    for case in Case.objects.filter(organisation=org).select_related("identity").order_by("pk"):
        sources.append((case, vault.unseal(case.pk, case.identity.blob)))
    full, family_count = Counter(), Counter()
    for _, part in sources:
        given, family = (n["value_original"] for n in part["identity"]["names"])
        full[f"{given} {family}"] += 1
        family_count[family] += 1
    now = datetime.now(dt_timezone.utc)
    sequences = Counter({now.year: Case.objects.count()})
    digests_of: dict[tuple[str, str], set[str]] = {}
    ring_version = vault.keyring().current
    stamped = [Case._meta.get_field("created_at"), Case._meta.get_field("updated_at"), CaseEvent._meta.get_field("at")]
    saved = [(f.auto_now, f.auto_now_add) for f in stamped]
    for f in stamped:
        f.auto_now = f.auto_now_add = False  # dates spread over three years, as a node's would be
    try:
        for start in range(0, count, BATCH):
            cases, parts = [], []
            for _ in range(min(BATCH, count - start)):
                source, part = rng.choice(sources)
                created = now - timedelta(days=1 + rng.random() * 3 * 365)
                updated = created + timedelta(days=rng.random() * min(200.0, (now - created).days))
                sequences[created.year] += 1
                given, family = rng.choice(GIVEN), rng.choice(FAMILY)
                full[f"{given} {family}"] += 1
                family_count[family] += 1
                identity = dict(part["identity"], names=[{"type": "GIVEN", "value_original": given},
                                                         {"type": "FAMILY", "value_original": family}])
                parts.append(((given, family), dict(part, identity=identity)))
                cases.append(Case(
                    organisation_id=org.pk, reference=f"{org.country}-{created.year}-{sequences[created.year]:06d}",
                    template=source.template, template_version=source.template_version, language=source.language,
                    data=source.data, status=source.status, stage=source.stage,
                    trafficking_status=source.trafficking_status, is_minor=source.is_minor,
                    exploitation_codes=source.exploitation_codes, country_codes=source.country_codes,
                    created_by_id=user.pk, created_at=created, updated_at=updated,
                    closed_at=updated if source.status.startswith("CLOSED") else None,
                ))
            with transaction.atomic():
                Case.objects.bulk_create(cases)
                identities, keys, events = [], [], []
                for case, (name, part) in zip(cases, parts):
                    blob, version = vault.seal(case.pk, part)
                    identities.append(CaseIdentity(case_id=case.pk, blob=blob, key_version=version))
                    if name not in digests_of:
                        digests_of[name] = vault.name_digests(vault.names_in(part))
                    keys += [NameIndex(case_id=case.pk, digest=d, key_version=ring_version) for d in digests_of[name]]
                    events.append(CaseEvent(case_id=case.pk, actor_id=user.pk, kind=EventKind.CREATED, at=case.created_at))
                CaseIdentity.objects.bulk_create(identities)
                NameIndex.objects.bulk_create(keys)
                CaseEvent.objects.bulk_create(events)
    finally:
        for f, (auto_now, auto_now_add) in zip(stamped, saved):
            f.auto_now, f.auto_now_add = auto_now, auto_now_add
    for year, last in sequences.items():
        CaseSequence.objects.update_or_create(country=org.country, year=year, defaults={"last": last})
    return {"full": full, "family": family_count}


def _richest_case(org, last_created: int) -> int:
    """A child's case opened through case_create with the largest identity: a whole case to read."""
    from django.db.models.functions import Length

    from trm.cases.models import Case
    return (Case.objects.filter(organisation=org, pk__lte=last_created, is_minor=True)
            .annotate(size=Length("identity__blob")).order_by("-size", "pk").values_list("pk", flat=True).first())


def _page_weights(user, case_id: int) -> list:
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    anonymous = Client(HTTP_HOST="127.0.0.1")
    browser = Client(HTTP_HOST="127.0.0.1")
    browser.force_login(user)
    session = browser.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id  # past the second factor, as after /login/verify
    session.save()
    pages = []
    for client, path in [(anonymous, "/login"), (browser, "/cases/"), (browser, "/cases/new"),
                         (browser, f"/cases/{case_id}/"), (browser, f"/cases/{case_id}/edit"), (browser, "/template/")]:
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{path}: HTTP {response.status_code}")
        label = path.replace(f"/{case_id}/", "/<id>/")
        pages.append((label, len(response.content), len(gzip.compress(response.content, 6)), min(timings[1:])))
    return pages


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "build":
        build(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        sys.exit("usage: python -m bench.node build DATA_DIR CASES CREATED (make bench runs it)")
