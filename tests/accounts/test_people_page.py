"""The administrator's page of people: who can log in and how; deactivate, revoke tokens, reset a
second factor; audited; nobody else reaches it."""
import pytest

from trm.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client, people):
    client.force_login(people["admin"].user)
    return client


def test_the_administrator_sees_everyone_with_role_and_tokens_and_the_listing_is_audited(admin, people):
    page = admin.get("/people", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for name in ("giulia", "marco", "paola", "anna", "arben"):
        assert f"<td>{name}</td>" in page
    assert "National contact point of Albania" in page and "Revoke API tokens" in page
    assert AuditEntry.objects.filter(action="admin.people_listed", actor_label="admin").exists()
    assert "Elira" not in page and "/cases/" not in page.split("<main")[1].split("</main>")[0]


@pytest.mark.parametrize("who", ["giulia", "marco", "paola", "anna", "arben"])
def test_no_one_else_reaches_the_page_or_its_actions(client, people, who):
    client.force_login(people[who].user)
    assert client.get("/people").status_code == 404
    assert client.post(f"/people/{people['giulia'].user.pk}/deactivate").status_code == 404
    people["giulia"].user.refresh_from_db()
    assert people["giulia"].user.is_active


def test_deactivating_someone_stops_their_login_and_their_tokens(admin, api, people):
    assert api(people["arben"], "get", "/api/v1/cases").status_code == 200
    response = admin.post(f"/people/{people['arben'].user.pk}/deactivate")
    assert response.status_code == 302
    assert api(people["arben"], "get", "/api/v1/cases").status_code == 401
    assert AuditEntry.objects.filter(action="user.deactivate", actor_label="admin",
                                     object_id=str(people["arben"].user.pk)).exists()


def test_revoking_tokens_leaves_the_person_able_to_log_in(admin, api, people, client):
    admin.post(f"/people/{people['giulia'].user.pk}/revoke-tokens")
    assert api(people["giulia"], "get", "/api/v1/cases").status_code == 401
    people["giulia"].user.refresh_from_db()
    assert people["giulia"].user.is_active


def test_an_administrator_cannot_lock_themselves_out(admin, people):
    response = admin.post(f"/people/{people['admin'].user.pk}/deactivate", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422 and "You cannot deactivate yourself" in response.content.decode()
    people["admin"].user.refresh_from_db()
    assert people["admin"].user.is_active


@pytest.mark.parametrize("path", ["/people/999999/deactivate", "/people/1/explode"])
def test_an_unknown_person_or_action_is_404(admin, path):
    assert admin.post(path).status_code == 404


def test_the_menu_offers_the_page_to_administrators_only(client, people):
    client.force_login(people["admin"].user)
    assert 'href="/people"' in client.get("/cases/").content.decode()
    client.force_login(people["giulia"].user)
    assert 'href="/people"' not in client.get("/cases/").content.decode()
