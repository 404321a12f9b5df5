"""Browser tests: the real apps served by ``core.devserver`` in a subprocess on loopback, on a
database of their own loaded with ``flask demo load``, driven by Playwright through Debian's
Chromium (never a downloaded browser), with axe-core from npm for WCAG 2.1 AA checks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback only
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer in {timeout}s")


@pytest.fixture(scope="session")
def ports() -> dict[str, int]:
    return {name: _free_port() for name in ("portal", "cc", "stripe", "node", "send", "mail")}


@pytest.fixture(scope="session")
def live_env(tmp_path_factory, ports) -> dict[str, str]:
    base = tmp_path_factory.mktemp("e2e")
    # The served demo is the embedded default: its own SQLite file and jobs run inline.
    env = {k: v for k, v in os.environ.items() if k not in ("TEST_DATABASE_URL", "REDIS_URL")}
    env.update({
        "PORTAL_BASE_URL": f"http://127.0.0.1:{ports['portal']}",
        "CONTACT_CENTER_BASE_URL": f"http://127.0.0.1:{ports['cc']}",
        "STRIPE_API_BASE": f"http://127.0.0.1:{ports['stripe']}",
        "PAGOPA_NODE_URL": f"http://127.0.0.1:{ports['node']}",
        "SEND_BASE_URL": f"http://127.0.0.1:{ports['send']}",
        "MAIL_PORT": str(ports["mail"]),
        # many sign-ins from one address within a minute: the limit itself is unit-tested
        "LOGIN_RATE_LIMIT": "200 per minute",
        "APP_ENV": "development",
        "DATABASE_URL": os.environ.get("E2E_DATABASE_URL", f"sqlite:///{base / 'e2e.sqlite3'}"),
        "STORAGE_DIR": str(base / "storage"),
        "INSTANCE_PATH": str(base / "instance"),
        "PYTHONUNBUFFERED": "1",
    })
    return env


@pytest.fixture(scope="session")
def live_servers(live_env, ports):
    """Load the demo data and start both apps; yields their base URLs."""
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    subprocess.run([*flask, "demo", "load"], cwd=ROOT, env=live_env, check=True,
                   capture_output=True, timeout=600)
    portal_port, cc_port = ports["portal"], ports["cc"]
    log = open(Path(live_env["STORAGE_DIR"]).parent / "server.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "core.devserver", "--portal-port", str(portal_port),
         "--contact-center-port", str(cc_port)],
        cwd=ROOT, env=live_env, stdout=log, stderr=subprocess.STDOUT,
    )
    urls = {"portal": f"http://127.0.0.1:{portal_port}", "cc": f"http://127.0.0.1:{cc_port}"}
    try:
        _wait_for(urls["portal"] + "/", process)
        _wait_for(urls["cc"] + "/", process)
        yield urls
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: ./scripts/test.sh installs Debian's chromium")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 360, "height": 800}, locale="it-IT")
    page = context.new_page()
    yield page
    context.close()


def sign_in(page, base: str, username: str, password: str, lang: str = "it") -> None:
    page.goto(f"{base}/sign-in?lang={lang}")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("form.app-form button[type=submit], main form button[type=submit]")


@pytest.fixture(scope="session")
def login():
    """``login(page, base, username, password, lang)`` through the real sign-in form."""
    return sign_in


@pytest.fixture()
def axe_page(browser):
    """A page whose CSP is bypassed only so the axe-core script can be injected."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def axe():
    """``axe(page)`` → the serious and critical WCAG 2.1 A/AA violations on the page."""
    return axe_violations


def axe_violations(page, impacts=("serious", "critical")) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"""
    )
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"] if v["impact"] in impacts
    ]
