"""Setting up a node from the command line, as its administrator does, in a fresh data directory."""
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

TRM = str(Path(sys.executable).with_name("trm"))


@pytest.fixture
def node(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "TRM_DATA_DIR": str(tmp_path), "HOME": str(tmp_path)}

    def run(*args):
        return subprocess.run([TRM, *args], capture_output=True, text=True, env=env, timeout=120)

    run.data = tmp_path
    return run


def test_a_new_node_is_set_up_with_keys_people_and_an_intact_audit_log(node):
    assert node("init").returncode == 0
    key = node.data / "data.key"
    assert key.exists() and key.stat().st_mode & 0o777 == 0o600
    assert node("org", "add", "Centre for the Protection of Victims of Trafficking", "--country", "RS",
                "--kind", "NATIONAL_CONTACT_POINT").returncode == 0
    added = node("user", "add", "jelena", "--organisation", "Centre for the Protection of Victims of Trafficking")
    assert added.returncode == 0 and "password, shown once:" in added.stdout
    token = node("token", "create", "jelena")
    assert token.returncode == 0 and token.stdout.strip().startswith("trm_")
    verified = node("audit", "verify")
    assert verified.returncode == 0 and "intact: 3 entries" in verified.stdout


def test_init_with_a_node_id_makes_the_exchange_keys_once(node):
    first = node("init", "--node-id", "rs-beograd")
    assert first.returncode == 0 and "signing key" in first.stdout
    again = node("init", "--node-id", "rs-beograd")
    assert again.returncode == 0 and "(kept)" in again.stdout
    exported = node("directory", "export")
    keys = json.loads(exported.stdout)
    assert keys["node_id"] == "rs-beograd" and "d" not in keys["signing_keys"][0]["jwk"]
    assert node("init", "--node-id", "rs-nis").returncode == 2


def test_running_init_again_keeps_the_vault_key(node):
    node("init")
    before = (node.data / "data.key").read_bytes()
    assert node("init").returncode == 0 and (node.data / "data.key").read_bytes() == before


def test_a_tampered_audit_log_is_named_at_its_first_bad_entry(node):
    node("init")
    node("org", "add", "ASTRA", "--country", "RS", "--kind", "NGO")
    node("user", "add", "milica", "--organisation", "ASTRA")
    with sqlite3.connect(node.data / "trm.sqlite3") as db:
        db.execute("DROP TRIGGER IF EXISTS audit_entry_no_update")
        triggers = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='trigger'")]
        for name in triggers:
            db.execute(f"DROP TRIGGER {name}")
        db.execute("UPDATE audit_auditentry SET detail = ? WHERE seq = 1", (json.dumps({"forged": True}),))
    result = node("audit", "verify")
    assert result.returncode == 1 and "seq 1" in result.stderr


def test_wrong_input_is_refused_with_a_clear_message(node):
    node("init")
    bad_country = node("org", "add", "Somewhere", "--country", "QQ", "--kind", "NGO")
    assert bad_country.returncode == 2 and "not a country code" in bad_country.stderr
    unknown = node("token", "create", "nobody")
    assert unknown.returncode == 2 and "no active user" in unknown.stderr and "Traceback" not in unknown.stderr


def test_an_administrator_deactivates_resets_and_revokes_and_each_is_audited(node):
    node("init")
    node("org", "add", "ASTRA", "--country", "RS", "--kind", "NGO")
    first = node("user", "add", "milica", "--organisation", "ASTRA").stdout.rsplit(": ", 1)[1].strip()
    node("token", "create", "milica")
    second = node("user", "password", "milica")
    assert second.returncode == 0 and second.stdout.rsplit(": ", 1)[1].strip() != first
    assert "authenticator" in node("user", "reset-second-factor", "milica").stdout
    assert "1 API token(s) revoked" in node("token", "revoke", "milica").stdout
    assert "deactivated" in node("user", "deactivate", "milica").stdout
    assert node("user", "password", "nobody").returncode == 2
    assert "intact: 7 entries" in node("audit", "verify").stdout  # org, user, token, and the four changes


def test_a_persons_e_mail_address_is_given_when_they_are_added_and_remind_says_when_no_mail_server_is_set(node):
    node("init")
    node("org", "add", "ASTRA", "--country", "RS", "--kind", "NGO")
    assert node("user", "add", "milica", "--organisation", "ASTRA", "--email", "milica@astra.example").returncode == 0
    with sqlite3.connect(node.data / "trm.sqlite3") as db:
        assert db.execute("SELECT email FROM accounts_user WHERE username = 'milica'").fetchone() == ("milica@astra.example",)
    refused = node("user", "add", "jovana", "--organisation", "ASTRA", "--email", "jovana")
    assert refused.returncode == 2 and "not an e-mail address" in refused.stderr
    reminded = node("remind")
    assert reminded.returncode == 0 and "TRM_SMTP_HOST is not set" in reminded.stdout
