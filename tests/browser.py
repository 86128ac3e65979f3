"""Real headless Chromium for tests: Debian's /usr/bin/chromium, driven by Playwright.

Never `playwright install`: the browser is the system's (CI installs Debian's `chromium`).
Playwright is imported only when a browser is launched, so modules that merely use
`requires_chromium` still import without it.

    from tests.browser import chromium_page, requires_chromium

    @requires_chromium
    def test_page(tmp_path: Path) -> None:
        with chromium_page(tmp_path) as page:
            page.goto(url)
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

CHROMIUM = Path(os.environ.get("SITEGEN_CHROMIUM", "/usr/bin/chromium"))

# Quiet and hermetic: no sandbox (containers, root in CI), no GPU, and no requests of its own.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
)

requires_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium) to run browser tests",
)


@contextmanager
def launch_chromium(profile_dir: Path, timeout_ms: float = 15_000) -> Iterator[BrowserContext]:
    """A headless Chromium with a fresh user data dir at `profile_dir` (created, must not exist)."""
    from playwright.sync_api import sync_playwright

    profile_dir.mkdir(parents=True)
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile_dir),
            executable_path=str(CHROMIUM),
            headless=True,
            args=list(CHROMIUM_ARGS),
            locale="zh-CN",
            timeout=timeout_ms,
        )
        context.set_default_timeout(timeout_ms)
        try:
            yield context
        finally:
            context.close()


@contextmanager
def chromium_page(tmp_path: Path, timeout_ms: float = 15_000) -> Iterator[Page]:
    """One page in a fresh browser whose profile lives under `tmp_path`. Uncaught script errors
    on the page fail the test when the block ends."""
    with launch_chromium(tmp_path / "chromium-profile", timeout_ms) as context:
        page = context.pages[0] if context.pages else context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        yield page
        assert not errors, f"script errors on the page: {errors}"
