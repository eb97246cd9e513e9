"""Times on the pages are those of the reader's organisation's country; stored and API times stay UTC."""
import pytest

from trm.accounts.services import organisation_create
from trm.web.middleware import country_zone

pytestmark = pytest.mark.django_db


def timeline_time(client, user, case_id):
    client.force_login(user)
    page = client.get(f"/cases/{case_id}/").content.decode()
    return page.split('<ol class="timeline"><li><time datetime="')[1].split('"')[0]


def test_the_timeline_shows_italian_time_in_bari_and_moldovan_time_in_chisinau(client, api, people, elira):
    case = api(people["giulia"], "post", "/api/v1/cases", elira).json()
    assert timeline_time(client, people["giulia"].user, case["id"]).endswith("+01:00")  # December: CET
    moldova = organisation_create(name="On the Road, Apulia — Chișinău office", country="MD", kind="NGO")
    giulia = people["giulia"].user
    giulia.organisation = moldova
    giulia.save()
    from trm.cases.models import Case
    Case.objects.filter(pk=case["id"]).update(organisation=moldova)
    assert timeline_time(client, giulia, case["id"]).endswith("+02:00")  # EET
    assert api(people["giulia"], "get", f"/api/v1/cases/{case['id']}").json()["updated_at"].endswith("Z")


@pytest.mark.parametrize("country, zone", [("AL", "Europe/Tirane"), ("XK", "Europe/Belgrade"), ("MK", "Europe/Skopje"),
                                           ("DE", "Europe/Berlin")])
def test_each_country_of_the_network_has_its_time_zone(country, zone):
    assert str(country_zone(country)) == zone
