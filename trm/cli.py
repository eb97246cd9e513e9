"""The ``trm`` console script.

Commands that only need the reporting engine (template, case, ilo, i18n) run without Django; the
node's commands (init, serve, demo…) set Django up first.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _print_json(value) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2, sort_keys=False))


# --- trm template -----------------------------------------------------------------------------

def template_check(args) -> int:
    from trm.reporting import catalogue_check
    from trm.workflow.rules import messages
    report = catalogue_check.check(args.template, extra=messages())
    if args.json:
        _print_json(report.summary())
    else:
        print(report.text())
    return 0 if report.ok else 1


def template_export(args) -> int:
    from trm import reporting
    template = reporting.load_template(args.template)
    if args.format == "jsonschema":
        from trm.reporting.export import jsonschema
        content = json.dumps(jsonschema.export(template), ensure_ascii=False, indent=2).encode()
        return _write(content, args.output)
    from trm.reporting.export import xlsform
    if not args.output:
        print("trm: an XLSForm is a spreadsheet; name a file with -o FILE.xlsx", file=sys.stderr)
        return 2
    xlsform.export(template, args.output)
    return 0


def _write(content: bytes, output: str | None) -> int:
    if output:
        Path(output).write_bytes(content)
    else:
        sys.stdout.buffer.write(content + b"\n")
    return 0


# --- trm case validate ------------------------------------------------------------------------

def case_validate(args) -> int:
    from trm import reporting
    from trm.reporting.i18n import check_language
    check_language(args.lang)
    try:
        report = json.loads(Path(args.file).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as error:
        reason = type(error).__name__ if isinstance(error, RecursionError) else str(error)[:200]
        _print_json({"valid": False, "errors": [{"path": "", "code": "unreadable", "message": reason}]})
        return 1
    template = reporting.template_for_report(report)
    errors = reporting.validate(template, report)
    _print_json({"valid": not errors, "template": template.id, "errors": [e.as_dict(args.lang) for e in errors]})
    return 0 if not errors else 1


def case_check(args) -> int:
    from trm.workflow.command import case_check as check
    code, text = check(args.file, args.at, args.json, args.lang)
    print(text)
    return code


# --- trm ilo assess ---------------------------------------------------------------------------

def ilo_assess(args) -> int:
    from trm.reporting import ilo
    ruleset = ilo.load_ruleset()
    present = [p.strip() for p in (args.present or "").split(",") if p.strip()]
    try:
        assessment = ilo.assess(ruleset, args.list, present, act=args.act)
    except (ilo.RulesetError, ilo.UnknownIndicator) as error:
        print(f"trm: {error}", file=sys.stderr)
        return 2
    if args.json:
        _print_json({"list": assessment.list_id, "dimensions": assessment.dimensions, "result": assessment.result})
        return 0
    for code, label in ruleset.dimensions.items():
        print(f"{code}  {label:<45} {'positive' if assessment.dimensions[code] else '-'}")
    print(f"ILO/EC indicator assessment (advisory, {ruleset.name} {ruleset.version}): {assessment.result}")
    if assessment.reason:
        print(f"reason: {assessment.reason}")
    return 0


# --- trm i18n ---------------------------------------------------------------------------------

def i18n_extract(args) -> int:
    from trm.reporting import catalogue_check
    from trm.workflow.rules import messages
    counts = catalogue_check.update_catalogues(extra=messages())
    for language, (total, missing) in counts.items():
        print(f"{language:8} {total - missing:5}/{total} translated")
    return 0


def i18n_transliterate(args) -> int:
    from trm.reporting import catalogue_check
    written = catalogue_check.write_serbian_cyrillic()
    print(f"sr-Cyrl: {written} messages transliterated from sr-Latn")
    return 0


# --- the node: trm serve, trm demo -------------------------------------------------------------

def _django(debug: bool = False) -> None:
    import os
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trm.settings")
    if debug:
        os.environ.setdefault("TRM_DEBUG", "1")
    import django
    django.setup()


def _analyze() -> None:
    """Refresh the query planner's statistics, so that a search by name starts from the name index."""
    from django.db import connection
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def serve(args) -> int:
    """Run the node with gunicorn; static files are served by whitenoise."""
    _django()
    from django.core.management import call_command
    call_command("migrate", interactive=False, verbosity=0)
    _analyze()
    call_command("collectstatic", interactive=False, verbosity=0)
    from gunicorn.app.wsgiapp import run
    sys.argv = ["gunicorn", "trm.wsgi:application", "--bind", args.bind, "--workers", str(args.workers),
                "--access-logfile", "-", "--access-logformat", '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(L)s']
    run()
    return 0


def demo(args) -> int:
    """The demo network: three nodes on 127.0.0.1, each with a worker; Ctrl-C stops them all."""
    import signal
    import time

    from trm import network
    folder = Path.cwd() / "var" / "demo"
    print("trm demo: preparing three nodes (a database, people, cases and keys each) ...")
    sys.stdout.flush()
    try:
        running = network.start(folder, base_port=args.port, quiet=False)
    except RuntimeError as error:  # a port in use, a node that would not start: say so, no traceback
        print(f"trm demo: {error}", file=sys.stderr)
        return 1
    print()
    for node in running:
        print(f"  {node.node.organisation} ({node.node.country}), node {node.node.node_id}: {node.url}/")
        for username, role, password, _ in node.people:
            print(f"    {username:8} {role:24} password: {password}")
    print(f"  data in {folder}; second factors are off in the demo; Ctrl-C stops every node")
    sys.stdout.flush()
    stopping = []
    # Ctrl-C and SIGTERM both stop the network; set here, since a shell that started this in the
    # background leaves SIGINT ignored, and Python then never turns it into KeyboardInterrupt.
    for name in ("SIGINT", "SIGTERM"):
        signal.signal(getattr(signal, name), lambda *_: stopping.append(True))
    try:
        while not stopping and all(n.server.poll() is None for n in running):
            time.sleep(0.5)
    finally:
        network.stop(running)
    return 0


def _demo_environment() -> None:
    import os
    os.environ.setdefault("TRM_SECURE_COOKIES", "0")
    os.environ.setdefault("TRM_REQUIRE_MFA", "0")
    _django(debug=True)


def demo_node_prepare(args) -> int:
    import json
    _demo_environment()
    from trm import network
    print(json.dumps(network.node_prepare(args.node_id)))
    return 0


def demo_node_serve(args) -> int:
    _demo_environment()
    from trm import network
    network.node_join(Path(args.network))
    args.bind, args.workers = f"127.0.0.1:{args.port}", 2
    return serve(args)


def init(args) -> int:
    """Set up this node: data directory, database, vault key file."""
    _django()
    from django.conf import settings
    from django.core.management import call_command

    from trm.lib import vault
    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    call_command("migrate", interactive=False, verbosity=0)
    _analyze()
    print(f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]} ready")
    existed = settings.DATA_KEY or settings.DATA_KEY_FILE.exists()
    try:
        from trm.cases.vault import keyring
        keyring()  # makes the key file on a new node; refuses on a database that holds identities
    except vault.VaultKeyError as error:
        print(f"trm: {error}", file=sys.stderr)
        return 2
    source = "from TRM_DATA_KEY" if settings.DATA_KEY else f"{settings.DATA_KEY_FILE} ({'kept' if existed else 'created, mode 0600'})"
    print(f"vault key: {source}")
    if not existed:
        print("  back the key file up apart from the database: without it no identity can be read")
    if args.node_id:
        from trm.directory import commands as directory_commands
        from trm.directory import services as directory
        if directory.node_id() == args.node_id:
            print(f"node keys: {args.node_id} (kept)")
        else:
            return _say(directory_commands.init_keys(args.node_id))
    return 0


def org_add(args) -> int:
    _django()
    from trm.accounts.models import OrganisationKind
    from trm.accounts.services import organisation_create
    from trm.reporting import world
    if args.country.upper() not in world.country_codes():
        print(f"trm: {args.country!r} is not a country code (ISO 3166-1 alpha-2, XK for Kosovo*)", file=sys.stderr)
        return 2
    if args.kind not in OrganisationKind.values:
        print(f"trm: kind must be one of {', '.join(OrganisationKind.values)}", file=sys.stderr)
        return 2
    org = organisation_create(name=args.name, country=args.country, kind=args.kind)
    print(f"organisation {org.pk}: {org.name} ({org.country}, {org.kind})")
    return 0


def user_add(args) -> int:
    _django()
    from trm.accounts.models import Organisation, Role
    from trm.accounts.services import user_create
    org = Organisation.objects.filter(name=args.organisation).first() if args.organisation else None
    if args.organisation and org is None:
        print(f"trm: no organisation named {args.organisation!r}", file=sys.stderr)
        return 2
    if args.role not in Role.values:
        print(f"trm: role must be one of {', '.join(Role.values)}", file=sys.stderr)
        return 2
    if args.email and "@" not in args.email:
        print(f"trm: {args.email!r} is not an e-mail address", file=sys.stderr)
        return 2
    user, password = user_create(username=args.username, organisation=org, role=args.role, language=args.language,
                                 email=args.email)
    print(f"user {user.username} ({user.role}); password, shown once: {password}")
    return 0


def token_create(args) -> int:
    _django()
    from trm.accounts.models import User
    from trm.accounts.services import token_create as create
    user = User.objects.filter(username=args.username, is_active=True).first()
    if user is None:
        print(f"trm: no active user {args.username!r}", file=sys.stderr)
        return 2
    print(create(user=user))
    return 0


def _named_user(username: str):
    """The user of that name, or None after saying so."""
    from trm.accounts.models import User
    user = User.objects.filter(username=username).first()
    if user is None:
        print(f"trm: no user {username!r}", file=sys.stderr)
    return user


def user_change(args) -> int:
    """trm user deactivate|password|reset-second-factor USERNAME, trm token revoke USERNAME"""
    _django()
    from trm.accounts import services
    user = _named_user(args.username)
    if user is None:
        return 2
    if args.action == "deactivate":
        services.user_deactivate(user=user)
        print(f"user {user.username} deactivated; their API tokens are revoked")
    elif args.action == "password":
        print(f"user {user.username}: new password, shown once: {services.user_password_reset(user=user)}")
    elif args.action == "revoke":
        print(f"user {user.username}: {services.tokens_revoke(user=user)} API token(s) revoked")
    else:
        count = services.user_second_factor_reset(user=user)
        print(f"user {user.username}: {count} authenticator(s) removed; a new one is enrolled at the next login")
    return 0


def keys_rotate(args) -> int:
    _django()
    from trm.cases.services import vault_rotate
    version, count = vault_rotate()
    print(f"vault key version {version} is now current; {count} identities re-encrypted")
    return 0


def audit_verify(args) -> int:
    _django()
    from trm.audit.selectors import audit_verify as verify
    result = verify()
    if result.ok:
        from trm.audit.models import AuditEntry
        last = AuditEntry.objects.order_by("-seq").first()
        print(f"audit log intact: {result.checked} entries")
        if last is not None:
            print(f"last entry: seq {last.seq} hash {last.hash} (keep this line elsewhere to detect removal of newer entries)")
        return 0
    print(f"audit log broken at seq {result.first_bad_seq}: {result.reason}", file=sys.stderr)
    return 1


# --- trm directory, trm coordinator -----------------------------------------------------------

def _say(result: tuple[int, str]) -> int:
    code, text = result
    if text:
        print(text, file=sys.stdout if code == 0 else sys.stderr)
    return code


def directory_keys(args) -> int:
    _django()
    from trm.directory import commands
    return _say(commands.init_keys(args.node_id))


def directory_rotate(args) -> int:
    _django()
    from trm.directory import commands
    return _say(commands.rotate_keys(args.overlap_days))


def directory_export(args) -> int:
    _django()
    from trm.directory import commands
    return _say(commands.export_public_keys(args.output))


def directory_trust_coordinator(args) -> int:
    _django()
    from trm.directory import commands
    return _say(commands.set_coordinator(args.file, replace=args.replace))


def directory_import(args) -> int:
    _django()
    from trm.directory import commands
    return _say(commands.import_list(args.file))


def directory_show(args) -> int:
    _django()
    from trm.directory import commands
    return _say(commands.show())


def coordinator_init(args) -> int:  # the coordinator's machine needs no node
    from trm.directory import commands
    return _say(commands.coordinator_init(args.key))


def coordinator_add(args) -> int:
    from trm.directory import commands
    return _say(commands.add_participant(
        args.document, args.keys_file, country=args.country, organisations=args.organisation, roles=args.role,
        endpoint=args.endpoint, templates=args.template or ["trm-case-report@1.0"], languages=args.language,
        network=args.network, replace=args.replace))


def coordinator_sign(args) -> int:
    from trm.directory import commands
    return _say(commands.sign(args.document, args.key, args.output, days=args.days))


def exchange_import(args) -> int:
    _django()
    from django.utils import timezone

    from trm.exchange.commands import import_envelope_file
    return _say(import_envelope_file(args.file, now=timezone.now()))


def exchange_export(args) -> int:
    _django()
    from trm.exchange.commands import export_envelope_file
    return _say(export_envelope_file(args.message_id, args.output))


def exchange_receipt(args) -> int:
    _django()
    from django.utils import timezone

    from trm.exchange.commands import import_receipt_file
    return _say(import_receipt_file(args.message_id, args.file, now=timezone.now()))


def worker(args) -> int:
    """Deliver the outbox (and, later, deadlines and retention) until stopped."""
    _django()
    from trm.exchange import worker as delivery
    if args.once:
        print(f"{delivery.run_once()} delivery attempt(s)")
        return 0
    delivery.run_forever(interval=args.interval)
    return 0


def remind(args) -> int:
    """Send today's reminders by e-mail (when SMTP is configured)."""
    _django()
    from django.utils import timezone

    from trm.cases.reminders import mail_configured, reminders_send
    if not mail_configured():
        print("trm: TRM_SMTP_HOST is not set: no e-mail is sent (the Due page lists what is due)")
        return 0
    sent, already = reminders_send(now=timezone.now())
    print(f"{sent} reminder(s) sent, {already} already sent today")
    return 0


def _directory_parsers(commands) -> None:
    exchange = commands.add_parser("exchange", help="envelopes between nodes").add_subparsers(dest="action", required=True)
    export_parser = exchange.add_parser("export", help="write a sent message's envelope to a file, to carry by other means")
    export_parser.add_argument("message_id")
    export_parser.add_argument("--output", "-o", help="the file to write (default: standard output)")
    export_parser.set_defaults(run=exchange_export)
    receipt_parser = exchange.add_parser("receipt", help="take in the receipt that came back by file for a sent message")
    receipt_parser.add_argument("message_id")
    receipt_parser.add_argument("file")
    receipt_parser.set_defaults(run=exchange_receipt)
    import_parser = exchange.add_parser("import", help="take in an envelope from a file exactly as if it had been posted")
    import_parser.add_argument("file", metavar="FILE")
    import_parser.set_defaults(run=exchange_import)

    directory = commands.add_parser("directory", help="this node's keys and the network's trust list").add_subparsers(dest="action", required=True)
    keys_parser = directory.add_parser("keys", help="generate this node's signing and encryption keys (once)")
    keys_parser.add_argument("node_id", metavar="NODE_ID", help="this node's id in the network, e.g. rs-beograd")
    keys_parser.set_defaults(run=directory_keys)
    rotate = directory.add_parser("rotate", help="new node keys; the replaced ones keep working for an overlap")
    rotate.add_argument("--overlap-days", type=int, default=30, help="days the replaced keys still open and sign (default 30)")
    rotate.set_defaults(run=directory_rotate)
    export_keys = directory.add_parser("export", help="this node's public keys, to send to the network coordinator")
    export_keys.add_argument("-o", "--output", metavar="FILE", help="file to write (default: standard output)")
    export_keys.set_defaults(run=directory_export)
    trust = directory.add_parser("trust-coordinator", help="trust the network coordinator's public key (its .pub file)")
    trust.add_argument("file", metavar="FILE")
    trust.add_argument("--replace", action="store_true", help="replace the coordinator key this node trusts")
    trust.set_defaults(run=directory_trust_coordinator)
    load = directory.add_parser("import", help="verify a signed trust list and make it current; exit 1 if refused")
    load.add_argument("file", metavar="FILE")
    load.set_defaults(run=directory_import)
    show = directory.add_parser("show", help="the current trust list: network, version, expiry, participants")
    show.set_defaults(run=directory_show)

    coordinator = commands.add_parser("coordinator", help="the network coordinator's tools (files only, no node)").add_subparsers(dest="action", required=True)
    init_key = coordinator.add_parser("init", help="create the coordinator's key: KEY_FILE (mode 0600) and KEY_FILE.pub")
    init_key.add_argument("key", metavar="KEY_FILE")
    init_key.set_defaults(run=coordinator_init)
    add = coordinator.add_parser("add", help="add a node to the draft trust list, from the public keys file it sent")
    add.add_argument("keys_file", metavar="KEYS_FILE")
    add.add_argument("--document", required=True, metavar="FILE", help="the draft (JSON); created if missing")
    add.add_argument("--network", help="the network's name: needed to start a new draft")
    add.add_argument("--country", required=True, help="ISO 3166-1 alpha-2 (XK for Kosovo*)")
    add.add_argument("--organisation", action="append", required=True, metavar="NAME", help="repeat for several")
    add.add_argument("--role", action="append", required=True, metavar="ROLE", help="an UPPER_SNAKE code; repeat for several")
    add.add_argument("--endpoint", required=True, metavar="URL", help="https URL of the node's exchange inbox")
    add.add_argument("--template", action="append", metavar="NAME@VERSION", help="accepted template version (default trm-case-report@1.0)")
    add.add_argument("--language", action="append", required=True, metavar="CODE", help="BCP 47 code; repeat for several")
    add.add_argument("--replace", action="store_true", help="replace the node's entry if it is already in the draft (new keys, new endpoint)")
    add.set_defaults(run=coordinator_add)
    sign = coordinator.add_parser("sign", help="sign the draft: the trust list that every node imports")
    sign.add_argument("--document", required=True, metavar="FILE", help="the draft (JSON)")
    sign.add_argument("--key", required=True, metavar="KEY_FILE", help="the coordinator's private key file")
    sign.add_argument("-o", "--output", required=True, metavar="FILE", help="the signed trust list to write")
    sign.add_argument("--days", type=int, default=90, help="how long the list is valid (default 90)")
    sign.set_defaults(run=coordinator_sign)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="trm", description="trm: a Transnational Referral Mechanism node and its tools.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    template = commands.add_parser("template", help="the reporting template").add_subparsers(dest="action", required=True)
    check = template.add_parser("check", help="check the template and every translation catalogue; exit 1 listing what is missing")
    check.add_argument("--template", default="trm-case-report")
    check.add_argument("--json", action="store_true", help="print a JSON summary")
    check.set_defaults(run=template_check)
    export = template.add_parser("export", help="export the template as JSON Schema 2020-12 or as an XLSForm")
    export.add_argument("--format", choices=["jsonschema", "xlsform"], required=True)
    export.add_argument("-o", "--output", help="file to write (default: standard output, JSON Schema only)")
    export.add_argument("--template", default="trm-case-report")
    export.set_defaults(run=template_export)

    case = commands.add_parser("case", help="case documents").add_subparsers(dest="action", required=True)
    validate = case.add_parser("validate", help="validate a case report (JSON); exit 0 if valid, 1 with the errors as JSON")
    validate.add_argument("file")
    validate.add_argument("--lang", default="en", help="language of the error messages")
    validate.set_defaults(run=case_validate)

    check = case.add_parser("check", help="the rule results and deadlines of a case report; exit 1 if a rule fails")
    check.add_argument("file")
    check.add_argument("--at", help="the day to check on (YYYY-MM-DD; default today)")
    check.add_argument("--json", action="store_true", help="print a JSON result")
    check.add_argument("--lang", default="en", help="language of the titles, reasons and deadlines")
    check.set_defaults(run=case_check)

    ilo_parser = commands.add_parser("ilo", help="ILO/EC operational indicators").add_subparsers(dest="action", required=True)
    assess = ilo_parser.add_parser("assess", help="assess a set of present indicators (advisory)")
    assess.add_argument("--list", required=True, choices=["ADULT_LABOUR", "CHILD_LABOUR", "ADULT_SEXUAL", "CHILD_SEXUAL"])
    assess.add_argument("--present", default="", help="comma-separated indicator ids, e.g. DR01,EX01")
    assess.add_argument("--act", action="store_true", help="the act (recruitment, transport, harbouring…) is established")
    assess.add_argument("--json", action="store_true", help="print a JSON result")
    assess.set_defaults(run=ilo_assess)

    i18n = commands.add_parser("i18n", help="translation catalogues (for translators and developers)").add_subparsers(dest="action", required=True)
    extract = i18n.add_parser("extract", help="collect every template message into the catalogues and report coverage")
    extract.set_defaults(run=i18n_extract)
    cyrl = i18n.add_parser("transliterate", help="write the sr-Cyrl catalogue from sr-Latn, letter by letter")
    cyrl.set_defaults(run=i18n_transliterate)
    init_parser = commands.add_parser("init", help="set up this node: data directory, keys, database")
    init_parser.add_argument("--node-id", help="also make this node's exchange keys, as trm directory keys NODE_ID does")
    init_parser.set_defaults(run=init)
    org = commands.add_parser("org", help="organisations").add_subparsers(dest="action", required=True)
    org_add_parser = org.add_parser("add", help="add an organisation")
    org_add_parser.add_argument("name")
    org_add_parser.add_argument("--country", required=True, help="ISO 3166-1 alpha-2 (XK for Kosovo*)")
    org_add_parser.add_argument("--kind", required=True, help="NATIONAL_CONTACT_POINT, NGO, SOCIAL_SERVICES, POLICE, LABOUR_INSPECTORATE, GUARDIANSHIP_AUTHORITY or CONSULATE")
    org_add_parser.set_defaults(run=org_add)
    user = commands.add_parser("user", help="people").add_subparsers(dest="action", required=True)
    user_add_parser = user.add_parser("add", help="add a user; the password is printed once")
    user_add_parser.add_argument("username")
    user_add_parser.add_argument("--organisation", help="the organisation's name")
    user_add_parser.add_argument("--role", default="CASEWORKER", help="CASEWORKER, SUPERVISOR, NATIONAL_CONTACT_POINT, AUDITOR or ADMINISTRATOR")
    user_add_parser.add_argument("--language", default="en")
    user_add_parser.add_argument("--email", default="", help="where reminders go (trm remind)")
    user_add_parser.set_defaults(run=user_add)
    for action, text in (("deactivate", "stop a user logging in or using the API (their records stay)"),
                         ("password", "give a user a new generated password, printed once"),
                         ("reset-second-factor", "remove a user's authenticator: they enrol a new one at the next login")):
        changer = user.add_parser(action, help=text)
        changer.add_argument("username")
        changer.set_defaults(run=user_change)
    token = commands.add_parser("token", help="API tokens").add_subparsers(dest="action", required=True)
    token_create_parser = token.add_parser("create", help="create an API token for a user; printed once")
    token_create_parser.add_argument("username")
    token_create_parser.set_defaults(run=token_create)
    revoke = token.add_parser("revoke", help="revoke every API token of a user")
    revoke.add_argument("username")
    revoke.set_defaults(run=user_change)
    keys = commands.add_parser("keys", help="the identity vault's keys").add_subparsers(dest="action", required=True)
    rotate = keys.add_parser("rotate", help="add a new vault key and re-encrypt every identity with it")
    rotate.set_defaults(run=keys_rotate)

    _directory_parsers(commands)

    audit = commands.add_parser("audit", help="the audit log").add_subparsers(dest="action", required=True)
    verify = audit.add_parser("verify", help="check the hash chain; exit 1 naming the first bad entry")
    verify.set_defaults(run=audit_verify)

    serve_parser = commands.add_parser("serve", help="run this node (gunicorn behind your TLS proxy)")
    serve_parser.add_argument("--bind", default="127.0.0.1:8000", help="address:port to listen on")
    serve_parser.add_argument("--workers", type=int, default=2)
    serve_parser.set_defaults(run=serve)
    demo_parser = commands.add_parser("demo", help="start the demo network: three nodes on http://127.0.0.1:8000/, 8001, 8002")
    demo_parser.add_argument("--port", type=int, default=8000, help="the first node's port; the others follow")
    demo_parser.set_defaults(run=demo)
    node = commands.add_parser("demo-node", help="one node of the demo network (trm demo runs these)").add_subparsers(dest="action", required=True)
    prepare = node.add_parser("prepare", help="database, people, cases and keys of a demo node; prints JSON")
    prepare.add_argument("node_id")
    prepare.set_defaults(run=demo_node_prepare)
    node_serve = node.add_parser("serve", help="join the demo network's trust list, then serve")
    node_serve.add_argument("node_id")
    node_serve.add_argument("--port", type=int, required=True)
    node_serve.add_argument("--network", required=True, help="the demo network's folder (coordinator key and trust list)")
    node_serve.set_defaults(run=demo_node_serve)
    worker_parser = commands.add_parser("worker", help="deliver the outbox with retries until stopped")
    worker_parser.add_argument("--once", action="store_true", help="deliver what is due now, then stop")
    worker_parser.add_argument("--interval", type=float, default=2.0, help="seconds between rounds when idle")
    worker_parser.set_defaults(run=worker)
    remind_parser = commands.add_parser("remind", help="e-mail each person what is due soon or overdue (once a day)")
    remind_parser.set_defaults(run=remind)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except Exception as error:  # a clear line, never a traceback, for anything unexpected
        from trm.reporting import TemplateError, UnknownTemplate
        from trm.reporting.i18n import UnknownLanguage
        if isinstance(error, (TemplateError, UnknownTemplate, UnknownLanguage)):
            print(f"trm: {error}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
