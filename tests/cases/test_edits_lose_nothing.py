"""Edits lose nothing and break nothing: no lost updates, no hidden data erased by an editor who could
not see it, hostile form fields, a node initialised over identities without their key."""
import subprocess
import sys
from pathlib import Path

import pytest

from trm.audit.models import AuditEntry
from trm.cases.models import Case

pytestmark = pytest.mark.django_db

EPISODE = [{"from": "2026-11-01", "to": "2026-11-03", "alert_refs": [{"ref": "MCA-17"}]}]


@pytest.fixture
def case_id(api, people, elira):
    elira["data"]["child"]["missing_episodes"] = EPISODE
    return api(people["giulia"], "post", "/api/v1/cases", elira).json()["id"]


def _report(api, who, case_id):
    return api(who, "get", f"/api/v1/cases/{case_id}").json()["report"]


def test_an_edit_started_before_a_consent_withdrawal_is_refused_and_the_withdrawal_stays(client, api, people, case_id):
    client.force_login(people["marco"].user)
    form = client.get(f"/cases/{case_id}/edit").content.decode()
    version = form.split('name="_version" value="')[1].split('"')[0]
    api(people["giulia"], "post", f"/api/v1/cases/{case_id}/consents/0/withdraw", {"on": "2026-12-01"})
    from tests.cases.test_case_pages import ELIRA_FORM
    response = client.post(f"/cases/{case_id}/edit", {**ELIRA_FORM, "_version": version, "_save": "1"})
    assert response.status_code == 409
    assert _report(api, people["giulia"], case_id)["data"]["consent"]["consents"][0]["withdrawn_date"] == "2026-12-01"


def test_the_contact_point_does_not_see_how_many_missing_episodes_there_are(api, people, case_id):
    assert "missing_episodes" not in _report(api, people["paola"], case_id)["data"]["child"]


def test_the_contact_points_form_save_keeps_the_missing_episodes_it_cannot_see(client, api, people, case_id):
    from tests.cases.test_case_pages import ELIRA_FORM
    client.force_login(people["paola"].user)
    page = client.get(f"/cases/{case_id}/edit").content.decode()
    assert "missing_episodes" not in page
    version = page.split('name="_version" value="')[1].split('"')[0]
    response = client.post(f"/cases/{case_id}/edit", {**ELIRA_FORM, "_version": version, "_save": "1"})
    assert response.status_code == 302
    assert _report(api, people["giulia"], case_id)["data"]["child"]["missing_episodes"] == EPISODE


def test_a_patch_cannot_erase_what_its_author_cannot_see(api, people, case_id):
    api(people["paola"], "patch", f"/api/v1/cases/{case_id}", {"data": {"child": {"missing_episodes": None}}})
    assert _report(api, people["giulia"], case_id)["data"]["child"]["missing_episodes"] == EPISODE


@pytest.mark.parametrize("form", [
    {"identity.names[0].value_original": "A", "identity.names.value_original": "B"},
    {"identity.names.value_original": "B", "identity.names[0].value_original": "A"},
    {"_add": "overview.case_type[1]"}, {"_remove": "overview.case_type[0]"}, {"_add": "identity[0]"},
    {"_add": "overview.case_type.x[0]"}, {"_remove": "identity.names[99]"}, {"overview[0].case_type": "X"},
])
def test_hostile_form_fields_never_cause_a_server_error(client, people, case_id, form):
    client.force_login(people["giulia"].user)
    assert client.post("/cases/new", form).status_code < 500
    assert client.post(f"/cases/{case_id}/edit", form).status_code < 500
    assert client.post("/cases/new", form, HTTP_HX_REQUEST="true").status_code < 500


def test_a_report_with_many_countries_is_stored_on_every_database(api, people, elira):
    elira["data"]["overview"]["countries"] = [{"country": c, "role": "TRANSIT"} for c in
                                              ["AL", "BA", "BG", "HR", "XK", "MK", "MD", "ME", "RO", "RS"] * 12]
    assert api(people["giulia"], "post", "/api/v1/cases", elira).status_code == 201


def test_closing_time_stays_put_across_later_edits(api, people, case_id):
    api(people["giulia"], "post", f"/api/v1/cases/{case_id}/close", {"reason": "REFERRED"})
    closed_at = Case.objects.get(pk=case_id).closed_at
    api(people["giulia"], "post", f"/api/v1/cases/{case_id}/consents/0/withdraw", {})
    assert Case.objects.get(pk=case_id).closed_at == closed_at


def test_a_search_is_audited_without_what_was_searched(api, people, case_id):
    api(people["giulia"], "post", "/api/v1/cases/search", {"q": "Elira Hoxha"})
    entry = AuditEntry.objects.filter(action="case.search").get()
    assert entry.detail == {"by": "name"} and "Elira" not in repr(entry.detail)


def test_free_text_and_criminal_data_are_not_stored_in_clear(api, people, elira):
    elira["data"]["child"]["child_views"] = "Vuole restare con la zia a Bari"
    case = Case.objects.get(pk=api(people["giulia"], "post", "/api/v1/cases", elira).json()["id"])
    assert "zia" not in repr(case.data)


def test_case_pages_are_never_cached_by_the_browser(client, people, case_id):
    client.force_login(people["giulia"].user)
    assert "no-store" in client.get(f"/cases/{case_id}/")["Cache-Control"]


def test_api_errors_keep_their_json_shape_for_bad_json_and_unknown_addresses(client, people):
    headers = people["giulia"].headers()
    bad = client.post("/api/v1/cases", data="{not json", content_type="application/json", **headers)
    missing = client.get("/api/v1/nothing-here", **headers)
    assert bad.status_code == 400 and bad.json()["errors"][0]["code"] == "invalid_request"
    assert missing.status_code == 404 and missing.json()["errors"][0]["code"] == "not_found"


def test_init_refuses_to_make_a_new_key_over_a_database_that_holds_identities(tmp_path):
    trm = str(Path(sys.executable).with_name("trm"))
    env = {"PATH": "/usr/bin:/bin", "TRM_DATA_DIR": str(tmp_path), "HOME": str(tmp_path)}
    run = lambda *a: subprocess.run([trm, *a], capture_output=True, text=True, env=env, timeout=120)  # noqa: E731
    run("init")
    run("org", "add", "ASTRA", "--country", "RS", "--kind", "NGO")
    run("user", "add", "milica", "--organisation", "ASTRA")
    script = ("import django,os;os.environ['DJANGO_SETTINGS_MODULE']='trm.settings';django.setup();"
              "import json;from trm.accounts.models import User;from trm.cases.services import case_create;"
              "case_create(actor=User.objects.get(username='milica'),"
              "report=json.load(open('tests/reporting/examples/elira-valid/report.json')))")
    subprocess.run([sys.executable, "-c", script], env={**env, "PYTHONPATH": str(Path.cwd())}, check=True, timeout=120)
    (tmp_path / "data.key").rename(tmp_path / "data.key.moved")
    result = run("init")
    assert result.returncode == 2 and "restore the key file" in result.stderr and not (tmp_path / "data.key").exists()
