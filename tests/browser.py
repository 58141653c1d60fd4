"""Debian's headless Chromium, driven by Selenium, for the self-tests that read a report as a
person's browser builds it: the DOM after every script of the page has run, and every request
the page makes."""

from __future__ import annotations

import json
import os
import shutil

import pytest

BROWSER = shutil.which("chromium")
DRIVER = shutil.which("chromedriver")


def browser_or_skip() -> None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing = "the selenium package"
    else:
        missing = None if BROWSER and DRIVER else "Debian's chromium and chromium-driver"
    if missing:
        if os.environ.get("CCREST_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{missing} must be installed here (CCREST_REQUIRE_BROWSER=1)")
        pytest.skip(f"not testable here because {missing} is not installed")


VIEWPORT = (1400, 900)


def chrome(logs: bool = False):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = BROWSER
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ):
        options.add_argument(flag)
    if logs:  # the DevTools network events: every request the page makes
        options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=DRIVER), options=options)
    driver.set_window_size(*VIEWPORT)
    width, height = driver.execute_script("return [window.innerWidth, window.innerHeight]")
    # the window's frame is not the page's: make the page itself 1400x900
    driver.set_window_size(2 * VIEWPORT[0] - width, 2 * VIEWPORT[1] - height)
    return driver


def requests_made(driver) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        event = json.loads(entry["message"])["message"]
        if event.get("method") == "Network.requestWillBeSent":
            urls.append(event["params"]["request"]["url"])
    return urls
