"""Story 1 across a border, in a real browser against two real nodes: Giulia, in Apulia, sends
Elira's case notification to the Albanian contact point after seeing exactly what will leave; Besa,
in Tirana, reads it in Albanian and accepts it; Giulia sees the acceptance on her case, in Italian.
Playwright drives Debian's chromium; the nodes run as ``trm demo`` runs them."""
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from trm import network, reporting
from trm.reporting.i18n import gettext

from ..exchange.test_network import free_port
from .test_caseworker_walk import CHROMIUM, CHROMIUM_ARGS, WAIT_MS

pytestmark = [
    pytest.mark.network,
    pytest.mark.skipif(not Path(CHROMIUM).exists() and os.environ.get("CI") != "true",
                       reason=f"needs Debian's chromium at {CHROMIUM} (apt-get install chromium)"),
]


@pytest.fixture(scope="module")
def nodes(tmp_path_factory):
    ports = {"it-bari": free_port(), "al-tirana": free_port()}
    running = network.start(tmp_path_factory.mktemp("walk"), node_ids=["it-bari", "al-tirana"], ports=ports,
                            worker_interval=0.2)
    try:
        yield running
    finally:
        network.stop(running)


@pytest.fixture(scope="module")
def browser(nodes):
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def session(browser, node, username, locale):
    context = browser.new_context(base_url=node.url, locale=locale, viewport={"width": 1000, "height": 900})
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    password = next(p[2] for p in node.people if p[0] == username)
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/cases/")
    return page


def ui(language: str, text: str) -> str:
    """The node's own translation of an interface text (Django's catalogue)."""
    from django.utils import translation
    with translation.override(language):
        return translation.gettext(text)


TEMPLATE = reporting.load_template()
NOTIFICATION = TEMPLATE.profiles["CASE_NOTIFICATION"].label
IDENTITY = TEMPLATE.section("identity").label
DATE_OF_BIRTH = TEMPLATE.fields["identity.date_of_birth"].label


def test_giulia_sends_a_notification_that_besa_reads_in_albanian_and_accepts(browser, nodes):
    bari, tirana = nodes
    giulia = session(browser, bari, "giulia", "it-IT")
    giulia.get_by_role("link", name=re.compile(r"IT-\d{4}-000001")).click()
    eliras_page = giulia.url
    giulia.get_by_role("link", name=ui("it", "Send a message")).click()
    giulia.select_option("select[name=receiver]", "al-tirana")
    giulia.select_option("select[name=type]", "CASE_NOTIFICATION")
    giulia.get_by_role("button", name=ui("it", "Show what will leave")).click()
    preview = giulia.locator("#preview")
    expect(preview).to_contain_text("Elira")
    expect(preview).not_to_contain_text("Via dei Campi")  # her address in Italy stays in Italy
    expect(preview).to_contain_text(gettext(DATE_OF_BIRTH, "it"))
    giulia.get_by_role("button", name=ui("it", "Send"), exact=True).click()
    expect(giulia.locator("#messages")).to_contain_text("al-tirana")

    besa = session(browser, tirana, "besa", "sq-AL")
    besa.goto("/messages/")
    for _ in range(60):  # the worker delivers within a second or two; the list shows what is there now
        if besa.get_by_role("link", name=gettext(NOTIFICATION, "sq")).count():
            break
        besa.wait_for_timeout(500)
        besa.reload()
    besa.get_by_role("link", name=gettext(NOTIFICATION, "sq")).first.click()
    expect(besa.locator("main")).to_contain_text("Elira")
    expect(besa.locator("main")).to_contain_text(gettext(IDENTITY, "sq"))
    besa.get_by_role("button", name=ui("sq", "Accept")).click()
    expect(besa.locator("main")).to_contain_text(ui("sq", "Accepted"))
    expect(besa.locator("main .button.secondary")).to_contain_text("AL-2026-")

    def accepted_on_her_case():
        giulia.goto(eliras_page)
        return ui("it", "Accepted") in giulia.locator("#messages").inner_text()
    for _ in range(60):
        if accepted_on_her_case():
            break
        giulia.wait_for_timeout(500)
    expect(giulia.locator("#messages")).to_contain_text(ui("it", "Accepted"))
