"""The node's first pages: health, the template in the reader's language, the language picker."""
from io import StringIO

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_health_answers_when_the_database_does(client):
    response = client.get("/health")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_the_template_reads_in_albanian_for_an_albanian_browser(client):
    page = client.get("/template/", HTTP_ACCEPT_LANGUAGE="sq").content.decode()
    assert 'lang="sq"' in page and "Gjuha" in page


def test_the_template_page_shows_every_case_section_and_not_the_envelope(client):
    page = client.get("/template/").content.decode()
    assert page.count('class="section"') == 12 and "section-envelope" not in page


def test_choosing_a_language_keeps_it_for_the_next_pages(client):
    response = client.post("/language", {"language": "sr-cyrl", "next": "/template/"})
    assert response.status_code == 302 and response["Location"] == "/template/"
    assert 'lang="sr-cyrl"' in client.get("/template/").content.decode()


def test_the_language_picker_never_redirects_to_another_site(client):
    response = client.post("/language", {"language": "it", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_an_unknown_language_falls_back_to_english(client):
    client.post("/language", {"language": "xx", "next": "/template/"})
    assert 'lang="en"' in client.get("/template/").content.decode()


def test_the_page_is_light_enough_for_a_slow_connection(client):
    assert len(client.get("/template/").content) < 100_000


def test_there_are_no_pending_migrations():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)


def test_the_node_uses_the_database_it_was_configured_with():
    import os

    from django.db import connection
    expected = "postgresql" if os.environ.get("TRM_DATABASE_URL", "").startswith("postgres") else "sqlite"
    assert connection.vendor == expected
