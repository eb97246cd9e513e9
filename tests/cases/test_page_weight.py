"""Pages stay light for slow connections: under 100 KB on the wire (compressed, as every browser
asks for), even for the edit form of a full case in Greek, two bytes a letter."""
import gzip

import pytest

pytestmark = pytest.mark.django_db


def test_a_childs_labour_case_with_many_rows_still_fits_in_100_kb(client, people, api, elira):
    elira["data"]["consent"]["consents"].append(dict(elira["data"]["consent"]["consents"][0]))
    elira["data"]["situation"]["route_events"] = [{"type": "TRANSIT", "country": "ME", "date_from": "2026-05"}] * 12
    case_id = api(people["giulia"], "post", "/api/v1/cases", elira).json()["id"]
    client.force_login(people["giulia"].user)
    client.cookies["django_language"] = "el"  # Greek: two bytes a letter
    page = client.get(f"/cases/{case_id}/edit", HTTP_ACCEPT_ENCODING="gzip")
    assert page.status_code == 200 and page["Content-Encoding"] == "gzip"
    assert 'name="situation.route_events[11].country"' in gzip.decompress(page.content).decode()
    assert len(page.content) < 100_000, len(page.content)
