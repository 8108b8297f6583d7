"""Shared test fixtures.

Browser tests drive Debian's Chromium (never Playwright's own download). Outside CI a missing
browser or service skips the tests that need it, with a message that says how to install it;
in CI (CI=true) the same situation fails, so nothing real is silently left untested.
"""

import os
import shutil
from contextlib import contextmanager

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

# live_server + Playwright's sync API run Django code from a thread with an event loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def skip_or_fail(reason: str) -> None:
    """Skip locally with a how-to message; fail in CI where every dependency must be present."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true : ce test ne peut pas être ignoré en CI)")
    pytest.skip(reason)


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@contextmanager
def real_clock_for_child_processes():
    """Start child processes without libfaketime (``LD_PRELOAD``), then put it back.

    CI also runs the suite under ``faketime`` (a clock moved a year ahead) to find date bombs.
    Playwright's Node.js driver and Chromium hang under libfaketime, so they are started on the
    real clock: the Django server under test — the code whose dates matter — keeps the moved one.
    """
    preload = os.environ.get("LD_PRELOAD", "")
    kept = " ".join(lib for lib in preload.split() if "faketime" not in lib)
    if kept == preload:
        yield
        return
    if kept:
        os.environ["LD_PRELOAD"] = kept
    else:
        del os.environ["LD_PRELOAD"]
    try:
        yield
    finally:
        os.environ["LD_PRELOAD"] = preload


@pytest.fixture(scope="session")
def playwright():
    """pytest-playwright's driver, started on the real clock (see ``real_clock_for_child_processes``)."""
    from playwright.sync_api import sync_playwright

    with real_clock_for_child_processes():
        driver = sync_playwright().start()
    yield driver
    driver.stop()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    path = chromium_path()
    if not path:
        skip_or_fail(
            "Chromium est absent : installez-le avec « sudo apt-get install chromium » "
            "pour lancer les tests navigateur (ne lancez pas « playwright install »)."
        )
    return {
        **browser_type_launch_args,
        "executable_path": path,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture
def celery_eager():
    """Run Celery tasks in-process for the duration of a test (override_settings does not reach Celery)."""
    from alternance.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield app
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache (the dashboard keeps slow-moving panels there) but for
    the second-factor rule of an empty database (none): read on every staff request and cached, it
    would otherwise cost the first request of a test one query more than the next ones, and every
    query-count test compares requests. The service that changes the rule clears it."""
    from django.core.cache import cache

    from alternance.accounts.selectors import SETTINGS_CACHE_KEY

    cache.clear()
    cache.set(SETTINGS_CACHE_KEY, (), 300)
    yield
    cache.clear()
