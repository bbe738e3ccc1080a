"""What the README's run command installs is enough for every feature it serves."""

from __future__ import annotations

import re
from importlib.metadata import requires
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_pdf_printer_is_a_dependency_of_the_service_not_only_of_the_tests():
    service = [r for r in requires("lianchuang") if "extra ==" not in r]

    assert any(re.match(r"playwright\b", requirement) for requirement in service)


def test_the_run_command_installs_chromium_and_a_chinese_font():
    bootstrap = (ROOT / "scripts" / "bootstrap.sh").read_text()
    service_part = bootstrap.split('if [ "$want_test" = 1 ]; then')[0]

    assert "packages+=(chromium)" in service_part
    assert "packages+=(fonts-wqy-microhei)" in service_part
