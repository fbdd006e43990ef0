"""Browser fixtures: the app on a live local server, Debian chromium, axe-core and screenshots."""
import json
import os
import re
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import DEMO_PASSWORDS, real_servers_required

BROWSER_DIR = Path(__file__).resolve().parent
REPO_ROOT = BROWSER_DIR.parent.parent
AXE_SCRIPT = REPO_ROOT / ".cache" / "axe-core" / "axe.min.js"
SCREENSHOT_DIR = BROWSER_DIR / "screenshots"
CHROMIUM = "/usr/bin/chromium"
# The last flag keeps Chromium from resolving any name but 127.0.0.1: no test may
# send traffic off the machine (see RECIPES.md, "A real browser").
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
AXE_FAILING_IMPACTS = {"serious", "critical"}


def pytest_collection_modifyitems(items):
    """Every test in this folder drives a browser, so `-m "not browser"` leaves them all out."""
    for item in items:
        if BROWSER_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


def _missing(message):
    if real_servers_required():
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def live_server(app):
    """The session's app served over HTTP on a free loopback port; yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="kundweb-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's chromium, headless, with the flags that keep it on this machine."""
    if not os.access(CHROMIUM, os.X_OK):
        _missing(f"{CHROMIUM} not found; install it with `apt-get install -y chromium`")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "headless": True,
            "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def base_url(live_server):
    """pytest-playwright hands this to every context: `page.goto("/login")` reaches the live server."""
    return live_server


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """Swedish locale and time, a desktop-sized window.

    The app's Content-Security-Policy stays enforced (no bypass_csp): the browser
    tests are where a blocked inline script or style would show up. axe is
    therefore injected by evaluating its source over the DevTools protocol, which
    a page's CSP does not govern, instead of as an inline <script> tag, which it does.
    """
    return {**browser_context_args, "locale": "sv-SE",
            "timezone_id": "Europe/Stockholm", "viewport": {"width": 1280, "height": 800}}


@pytest.fixture
def csp_violations(context):
    """Content-Security-Policy violations reported in any page of the test's context."""
    violations = []

    def on_console(message):
        if message.type == "error" and "Content Security Policy" in message.text:
            violations.append(message.text)

    context.on("console", on_console)
    return violations


@pytest.fixture
def page(page, csp_violations):
    """pytest-playwright's page, failing the test if the page broke its own CSP."""
    yield page
    assert not csp_violations, "Content-Security-Policy violations:\n" + "\n".join(csp_violations)


@pytest.fixture(scope="session")
def _axe_source():
    if not AXE_SCRIPT.is_file():
        _missing(f"{AXE_SCRIPT.relative_to(REPO_ROOT)} is missing; run `bash scripts/fetch-axe.sh`")
    return AXE_SCRIPT.read_text(encoding="utf-8")


@pytest.fixture
def axe_check(_axe_source):
    """`axe_check(page, "login page")`: fail listing every serious or critical WCAG 2.1 AA violation."""

    def check(page, context_name):
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.evaluate(_axe_source)
        results = page.evaluate(
            "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
        failing = [v for v in results["violations"] if v.get("impact") in AXE_FAILING_IMPACTS]
        assert not failing, f"axe found {len(failing)} serious/critical violation(s) on {context_name}:\n" + \
            "\n".join(_describe_violation(v) for v in failing)
        return results

    return check


def _describe_violation(violation):
    targets = [json.dumps(node["target"], ensure_ascii=False) for node in violation["nodes"]]
    return (f"- {violation['id']} ({violation['impact']}): {violation['help']}\n"
            f"    {violation['helpUrl']}\n"
            f"    targets: {', '.join(targets)}")


def screenshot(page, name):
    """Save a full-page PNG as tests/browser/screenshots/<name>.png, for people to look at."""
    SCREENSHOT_DIR.mkdir(exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(page, role):
    """Log in as the demo user of `role` the way a person does: type into the labelled fields, press Enter."""
    username, password = DEMO_PASSWORDS[role]
    page.goto("/login")
    page.get_by_label("Användarnamn").press_sequentially(username)
    password_field = page.get_by_label("Lösenord")
    password_field.press_sequentially(password)
    password_field.press("Enter")
    page.wait_for_url(re.compile(rf"/start/{role}$"))
    return page
