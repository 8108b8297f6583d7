"""Content-Security-Policy (issue 17 §11): production sends a strict policy, ``check --deploy`` stays
clean, and no page template holds what that policy refuses (the browser walk in
tests/e2e/test_csp.py checks the pages as rendered)."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.http import HttpResponse
from django.test import RequestFactory

from alternance.middleware import ContentSecurityPolicyMiddleware

ROOT = Path(__file__).resolve().parents[2]

# The policy of issue 17 §11, directive by directive: nothing inline, no eval, no plugins, no framing.
EXPECTED = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}

# Secrets as an operator makes them (check --deploy judges the SECRET_KEY's randomness).
SECRETS = {"SECRET_KEY": secrets.token_urlsafe(50), "NIR_ENCRYPTION_KEY": Fernet.generate_key().decode()}


def directives(header: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


def run_production(code: str) -> subprocess.CompletedProcess:
    """Runs ``code`` in a fresh interpreter on the production settings (settings load once)."""
    # As on a server: none of the test run's own variables (DJANGO_ALLOW_ASYNC_UNSAFE is the browser tests').
    dropped = ("DATABASE_URL", "DEBUG", "CSP_REPORT_URI", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(DJANGO_SETTINGS_MODULE="alternance.settings.production", **SECRETS)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


# The login page as production serves it over HTTPS. Plain static storage: the manifest storage needs a
# collectstatic that a test does not run (the policy does not depend on it).
PRODUCTION_LOGIN_PAGE = """
import django, json
django.setup()
from django.test import Client, override_settings
from django.test.utils import setup_test_environment
setup_test_environment()
storages = {"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
with override_settings(STORAGES=storages):
    response = Client().get("/connexion/", secure=True)
print(json.dumps({"status": response.status_code, "csp": response.get("Content-Security-Policy"),
                  "ro": response.get("Content-Security-Policy-Report-Only"), "html": response.content.decode()}))
"""


def test_production_serves_pages_with_the_strict_policy():
    result = run_production(PRODUCTION_LOGIN_PAGE)

    assert result.returncode == 0, result.stderr
    page = json.loads(result.stdout.strip().splitlines()[-1])
    assert page["status"] == 200
    assert directives(page["csp"]) == EXPECTED
    assert "unsafe" not in page["csp"]
    assert page["ro"] is None  # enforced, not merely reported
    # htmx is told not to inject its <style> nor evaluate code from attributes.
    assert """<meta name="htmx-config" content='{"includeIndicatorStyles": false, "allowEval": false, "allowScriptTags": false}'>""" in page["html"]


def test_production_check_deploy_stays_clean():
    """``make check-deploy``: ``check --deploy`` at the warning level on the production settings."""
    result = run_production(
        "import sys; from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])"
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_every_environment_sends_the_production_policy(client):
    """The browser tests run on these settings: they check the very policy production sends."""
    response = client.get("/connexion/")

    assert response.status_code == 200
    assert directives(response["Content-Security-Policy"]) == EXPECTED


@pytest.mark.parametrize(("content_type", "object_src"), [
    ("application/pdf", "'self'"),
    ("text/html; charset=utf-8", "'none'"),
    ("image/png", "'none'"),
    ("text/csv", "'none'"),
])
def test_only_a_pdf_may_be_embedded_by_the_browsers_own_viewer(content_type, object_src):
    """Chrome shows a PDF in its viewer, which embeds the file in its own page: object-src 'none'
    would block it. Only that directive changes, and only for PDFs."""
    middleware = ContentSecurityPolicyMiddleware(lambda request: HttpResponse(b"x", content_type=content_type))
    request = RequestFactory().get("/")

    response = middleware(request)

    assert directives(response["Content-Security-Policy"]) == {**EXPECTED, "object-src": object_src}


# --- the page templates hold nothing the policy refuses -----------------------------------------------

# Print templates (WeasyPrint, never sent to a browser) keep their <style>; e-mails are plain text.
PRINT_TEMPLATES = re.compile(r"(^|/)pdf/")
FORBIDDEN = {
    "inline <script>": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "<style> block": re.compile(r"<style\b", re.IGNORECASE),
    'style="…" attribute': re.compile(r"""\sstyle\s*=\s*["']""", re.IGNORECASE),
    "inline event handler (on…=)": re.compile(r"""\son[a-z]+\s*=\s*["']""", re.IGNORECASE),
    "htmx hx-on handler": re.compile(r"\s(data-)?hx-on", re.IGNORECASE),
    "htmx hx-vars (eval)": re.compile(r"\s(data-)?hx-vars", re.IGNORECASE),
    "javascript: URL or js: value": re.compile(r"""["'](javascript|js):""", re.IGNORECASE),
}


def page_templates() -> list[Path]:
    templates = sorted((ROOT / "templates").rglob("*.html"))
    return [path for path in templates if not PRINT_TEMPLATES.search(path.relative_to(ROOT / "templates").as_posix())]


def test_no_page_template_holds_inline_script_style_or_handler():
    found = [
        f"{path.relative_to(ROOT)}:{text[:match.start()].count(chr(10)) + 1} {what}"
        for path in page_templates()
        for text in [path.read_text()]
        for what, pattern in FORBIDDEN.items()
        for match in pattern.finditer(text)
    ]

    assert len(page_templates()) > 100  # the scan does see the templates
    assert found == []


def test_the_template_scan_catches_each_forbidden_form():
    """The patterns above really match what they stand for (a scan that matches nothing passes too)."""
    samples = {
        "inline <script>": "<script>alert(1)</script>",
        "<style> block": '<style media="print">a{}</style>',
        'style="…" attribute': '<div class="x" style="max-width: 3rem">',
        "inline event handler (on…=)": '<select name="a" onchange="this.form.submit()">',
        "htmx hx-on handler": '<button hx-on:click="go()">',
        "htmx hx-vars (eval)": '<div hx-vars="a:1">',
        "javascript: URL or js: value": '<a href="javascript:go()">',
    }
    for what, sample in samples.items():
        assert FORBIDDEN[what].search(sample), what
    # …and not the allowed forms.
    allowed = '<script src="/static/js/app.js" defer></script><form data-confirm="Supprimer ?" action="/x/">'
    assert [what for what, pattern in FORBIDDEN.items() if pattern.search(allowed)] == []
