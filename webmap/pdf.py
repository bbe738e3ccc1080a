"""Printing a self-contained HTML page (the assessors' report) to PDF in headless Chromium."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from geo.errors import Unavailable
from webmap.browser import launch_chromium


def print_pdf(html: str) -> bytes:
    """*html* printed to PDF by headless Chromium (Playwright), with no network at all."""
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright

    except ImportError:
        return _no_pdf("Playwright is not installed (pip install playwright)")

    def render() -> bytes:
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            try:
                page = browser.new_page()
                page.route("**/*", lambda route: route.abort())  # the report is self-contained
                page.set_content(html, wait_until="load")
                return page.pdf(format="A4", print_background=True,
                                margin={"top": "14mm", "bottom": "14mm", "left": "12mm",
                                        "right": "12mm"})
            finally:
                browser.close()

    # Playwright's sync API runs its own event loop: a fresh thread keeps it away from any
    # loop (or other Playwright) already running in the request's thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        try:
            return pool.submit(render).result()
        except PlaywrightError as exc:
            return _no_pdf(f"Chromium could not print it ({str(exc).splitlines()[0]})")


def _no_pdf(reason: str) -> bytes:
    raise Unavailable(f"the PDF report cannot be made here: {reason}; ask for "
                       "format=html (and print it from the browser) or format=xlsx")
