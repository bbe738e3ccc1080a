"""Debian's Chromium, headless, as the report printer and the screenshot script start it."""

from __future__ import annotations

CHROMIUM = "/usr/bin/chromium"
#: Headless, and none of Chromium's own calls home, so the page's requests are all ours.
CHROMIUM_ARGS = ("--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run")


def launch_chromium(playwright, executable: str = CHROMIUM):
    """A headless Chromium browser from a started ``sync_playwright()``."""
    return playwright.chromium.launch(executable_path=executable, args=list(CHROMIUM_ARGS))
