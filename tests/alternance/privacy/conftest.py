"""Shared by the GDPR tests: documents written under a temporary media root, the retention periods the
tests count from (5 years for an apprentice, 3 for a company contact), and the web world."""

import pytest

from tests.factories.web import make_world


@pytest.fixture(autouse=True)
def retention(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.GDPR_APPRENTICE_RETENTION_YEARS = 5
    settings.GDPR_CONTACT_RETENTION_YEARS = 3


@pytest.fixture
def world(celery_eager):
    return make_world()
