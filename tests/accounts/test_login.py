"""Logging in: Argon2 passwords, throttling, a second factor for the roles that handle cases."""
import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from trm.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def _login(client, username, password="a long test password"):
    return client.post("/login", {"username": username, "password": password})


def test_passwords_are_stored_with_argon2(people):
    assert people["giulia"].user.password.startswith("argon2")


def test_without_a_second_factor_required_a_caseworker_goes_straight_to_her_cases(client, people):
    response = _login(client, "giulia")
    assert response.status_code == 302 and response["Location"] == "/cases/"
    assert AuditEntry.objects.filter(action="auth.login", actor_label="giulia").exists()


def test_a_wrong_password_is_refused_and_audited_without_the_name_tried(client, people):
    response = _login(client, "giulia", "wrong")
    assert response.status_code == 400 and client.get("/cases/").status_code == 302
    entry = AuditEntry.objects.filter(action="auth.login_failed").get()
    assert "giulia" not in repr(entry.detail) and entry.actor_label in ("system", "anonymous")


def test_five_failures_block_the_sixth_attempt_even_with_the_right_password(client, people):
    for _ in range(5):
        _login(client, "giulia", "wrong")
    response = _login(client, "giulia")
    assert response.status_code == 400 and client.get("/cases/").status_code == 302


def test_a_caseworker_must_enrol_and_use_an_authenticator_when_second_factors_are_required(client, people, settings):
    settings.REQUIRE_MFA = True
    assert _login(client, "giulia")["Location"] == "/login/verify"
    assert client.get("/cases/").status_code == 302, "not in before the second step"
    page = client.get("/login/verify").content.decode()
    device = TOTPDevice.objects.get(user=people["giulia"].user)
    assert device.config_url.split("secret=")[1][:8] in page
    response = client.post("/login/verify", {"code": f"{totp(device.bin_key):06d}"})
    assert response["Location"] == "/cases/" and client.get("/cases/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed


def test_an_auditor_needs_no_second_factor_but_sees_no_cases(client, people, settings):
    settings.REQUIRE_MFA = True
    assert _login(client, "anna")["Location"] == "/cases/"
    assert "IT-" not in client.get("/cases/").content.decode()


def test_the_session_ends_after_the_idle_time(settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60 and settings.SESSION_SAVE_EVERY_REQUEST


def test_logging_out_ends_the_session(client, people):
    _login(client, "giulia")
    client.post("/logout")
    assert client.get("/cases/").status_code == 302


def test_a_wrong_second_factor_code_keeps_the_door_shut(client, people, settings):
    settings.REQUIRE_MFA = True
    _login(client, "giulia")
    client.get("/login/verify")
    device = TOTPDevice.objects.get(user=people["giulia"].user)
    wrong = f"{(totp(device.bin_key) + 1) % 1_000_000:06d}"
    assert client.post("/login/verify", {"code": wrong}).status_code == 400
    assert client.get("/cases/").status_code == 302
    assert AuditEntry.objects.filter(action="auth.second_factor_failed").exists()


def test_behind_the_proxy_failures_count_per_real_client_address(client, people, settings):
    settings.BEHIND_PROXY = True
    for _ in range(5):
        client.post("/login", {"username": "giulia", "password": "wrong"}, HTTP_X_FORWARDED_FOR="203.0.113.7")
    blocked = client.post("/login", {"username": "giulia", "password": "a long test password"}, HTTP_X_FORWARDED_FOR="203.0.113.7")
    elsewhere = client.post("/login", {"username": "giulia", "password": "a long test password"}, HTTP_X_FORWARDED_FOR="198.51.100.4")
    assert blocked.status_code == 400 and elsewhere.status_code == 302


def test_the_interface_opens_in_the_language_set_for_the_person(client, people):
    arben = people["arben"].user
    arben.language = "sq"
    arben.save()
    _login(client, "arben")
    assert '<html lang="sq">' in client.get("/cases/").content.decode()


def test_a_language_chosen_in_this_browser_before_logging_in_wins_and_becomes_theirs(client, people):
    client.post("/language", {"language": "it", "next": "/login"})
    _login(client, "arben")
    assert '<html lang="it">' in client.get("/cases/").content.decode()
    people["arben"].user.refresh_from_db()
    assert people["arben"].user.language == "it"


def test_choosing_a_language_once_logged_in_makes_it_theirs(client, people):
    _login(client, "giulia")
    client.post("/language", {"language": "sr-cyrl", "next": "/cases/"})
    people["giulia"].user.refresh_from_db()
    assert people["giulia"].user.language == "sr-cyrl"


@pytest.mark.parametrize("language", ["sq", "el"])
def test_the_enrolment_page_explains_the_qr_code_in_the_readers_language(client, people, settings, language):
    from django.utils import translation
    settings.REQUIRE_MFA = True
    _login(client, "giulia")
    page = client.get("/login/verify", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    with translation.override(language):
        caption = translation.gettext("Scan this with the app, or type the key below.")
    assert caption != "Scan this with the app, or type the key below." and caption in page and "<svg" in page
