"""Enrolling an authenticator in a real browser: the page shows the key as a QR code that a phone's
camera reads (zbarimg reads it here from the page's own pixels), and the app's code lets her in."""
import os
import shutil
import subprocess

import pytest

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from .test_caseworker_walk import PASSWORD, chromium, page, pytestmark  # noqa: F401  (fixtures, marks)

ZBARIMG = shutil.which("zbarimg") or "/usr/bin/zbarimg"


@pytest.mark.skipif(not os.path.exists(ZBARIMG) and os.environ.get("CI") != "true",
                    reason="needs zbarimg (apt-get install zbar-tools); CI installs it and never skips")
def test_giulia_scans_the_qr_code_and_logs_in_with_the_apps_code(page, people, settings, tmp_path):
    settings.REQUIRE_MFA = True
    page.goto("/login")
    page.fill("#username", "giulia")
    page.fill("#password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/login/verify")
    picture = tmp_path / "qr.png"
    page.locator("figure.qr svg").screenshot(path=str(picture))
    read = subprocess.run([ZBARIMG, "--raw", "-q", str(picture)], capture_output=True, text=True, timeout=30)
    device = TOTPDevice.objects.get(user=people["giulia"].user)
    assert read.stdout.strip() == device.config_url
    page.fill("#code", f"{totp(device.bin_key):06d}")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/cases/")
    device.refresh_from_db()
    assert device.confirmed
