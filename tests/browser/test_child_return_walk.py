"""Story 1's ending in a real browser: Giulia, working in Italian, tries to record that Elira's
return is approved; the page refuses, listing in Italian what the law still asks for; as each
condition is recorded on the case the list shrinks, and only when all are met is the step recorded.
"""
import pytest
from playwright.sync_api import expect

from trm import reporting
from trm.cases.models import Case
from trm.cases.services import case_create, case_patch
from trm.workflow.rules import guards_for_transition, load_rules

from ..cases.test_stages import GUARDS
from .test_caseworker_walk import chromium, choose_language, log_in, page, pytestmark  # noqa: F401  (fixtures, marks)


def italian_reasons(case):
    from trm.cases.selectors import stored_report
    from datetime import date
    case = Case.objects.get(pk=case.pk)  # fresh: the identity vault part is read with the case
    reasons = guards_for_transition(load_rules(), reporting.load_template(), stored_report(case), "RETURN_APPROVED",
                                    today=date.today())
    return [r.text(lambda text: reporting.i18n.gettext(text, "it")) for r in reasons]


def try_to_approve_the_return(page, case):
    page.goto(f"/cases/{case.pk}/")
    page.select_option('select[name="move"]', "RETURN_REINTEGRATION:RETURN_APPROVED")
    page.fill('input[name="why"]', "Valutazione familiare positiva")
    page.click('#stages button[type="submit"]')


def test_a_childs_return_stays_blocked_in_italian_until_each_guard_is_met(page, people, elira):
    giulia = people["giulia"].user
    case = case_create(actor=giulia, report=elira)
    log_in(page)
    choose_language(page, "it")
    for left, (_, fix) in zip(range(len(GUARDS), 0, -1), GUARDS):
        expected = italian_reasons(case)
        assert len(expected) == left
        try_to_approve_the_return(page, case)
        alert = page.locator("#stages [role=alert]")
        expect(alert).to_be_visible()
        expect(alert.locator("li")).to_have_count(len(expected))
        for reason in expected:
            expect(alert).to_contain_text(reason)
        assert not Case.objects.get(pk=case.pk).transitions.exists()
        case = case_patch(actor=giulia, case=case, patch={"data": fix})
    try_to_approve_the_return(page, case)
    expect(page.locator("#stages [role=alert]")).to_have_count(0)
    from django.utils import translation
    with translation.override("it"):
        approved = translation.gettext("Return approved")
    expect(page.locator("#stages table")).to_contain_text(approved)
    assert Case.objects.get(pk=case.pk).transitions.get().status == "RETURN_APPROVED"
