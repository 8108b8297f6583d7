"""A decision on pending justifications (issue 6, ``_decide`` behind ``justification_accept``,
``justification_accept_many`` and ``justification_refuse``) called as a service, without a request:

- its history (issue 13 §4: a compare-and-set writes its own log) names the reviewer and the exact
  changes of the justification and of the comment;
- the alerts of the apprentices decided are re-evaluated (issue 14 §3: a task queued in the outbox);
- its query count does not grow with the number of records decided (1, 2, 3: limit − 1, limit,
  limit + 1 around two), with half-days entered by a tutor (``recorded_by`` set) and apprentices
  with an account (the email's address).

The log and the records are re-read from the database."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alternance.attendance.services import (
    _site_url,
    justification_accept,
    justification_accept_many,
    justification_refuse,
)
from alternance.choices import AttendanceStatus, HalfDay, JustificationStatus, Role
from alternance.models import AttendanceRecord, OutgoingEmail, TaskIntent
from tests.alternance.attendance.test_absences_support import NOW, RECENT_DAY
from tests.factories.alternance import ApprenticeFactory, AttendanceRecordFactory, UserFactory
from tests.factories.web import make_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen(time_machine, settings):
    time_machine.move_to(NOW, tick=False)
    settings.SITE_URL = "https://alternance.example.test"


@pytest.fixture
def world():
    return make_world()


def pending_of(apprentice, *, recorded_by=None):
    return AttendanceRecordFactory(
        apprentice=apprentice,
        day=RECENT_DAY,
        half=HalfDay.AFTERNOON,
        status=AttendanceStatus.ABSENT,
        justification=JustificationStatus.PENDING,
        reason="Rendez-vous médical",
        recorded_by=recorded_by,
    )


def history(record) -> list[tuple]:
    return [
        (entry.action, entry.actor_id, entry.changes)
        for entry in LogEntry.objects.filter(content_type__model="attendancerecord", object_id=record.pk).order_by("pk")
    ]


@pytest.mark.parametrize(
    ("decide", "decision", "comment"),
    [
        (lambda record, by: justification_accept(record=record, by=by, comment="  Lisible  "), "accepted", "Lisible"),
        (lambda record, by: justification_refuse(record=record, by=by, comment="Illisible"), "refused", "Illisible"),
    ],
    ids=["accept", "refuse"],
)
def test_the_decision_history_names_the_reviewer_and_the_exact_changes(world, decide, decision, comment):
    record = pending_of(world.a.apprentice)
    LogEntry.objects.all().delete()  # the factory's own creation

    decide(record, world.a.tutor)

    assert history(record) == [
        (
            LogEntry.Action.UPDATE,
            world.a.tutor.pk,
            {"justification": ["pending", decision], "review_comment": ["", comment]},
        ),
    ]
    assert AttendanceRecord.objects.filter(pk=record.pk).values_list(
        "justification",
        "justification_reviewed_by_id",
        "justification_reviewed_at",
        "review_comment",
    ).get() == (decision, world.a.tutor.pk, NOW, comment)


def test_the_decision_query_count_does_not_grow_with_the_records_decided(world):
    def queries(size: int) -> int:
        apprentices = [
            ApprenticeFactory(cohort=world.a.cohort, user=UserFactory(role=Role.APPRENTICE)) for _ in range(size)
        ]
        records = [pending_of(apprentice, recorded_by=world.a.tutor) for apprentice in apprentices]
        with CaptureQueriesContext(connection) as captured:
            decided = justification_accept_many(records=records, by=world.a.tutor)
        assert [record.justification for record in decided] == ["accepted"] * size
        return len(captured)

    queries(1)  # warm-up: the first decision fills Django's caches (content types, settings row)
    counts = [queries(size) for size in (1, 2, 3)]

    assert counts[0] == counts[1] == counts[2]
    assert OutgoingEmail.objects.count() == 7  # one email per apprentice: 1 (warm-up) + 1 + 2 + 3


def test_the_decision_re_evaluates_the_alerts_of_the_apprentices_decided(world):
    """``facts_changed("attendance_changed")``: one task for the apprentices decided, not for others."""
    second = ApprenticeFactory(cohort=world.a.cohort, user=UserFactory(role=Role.APPRENTICE))
    records = [pending_of(world.a.apprentice), pending_of(second)]
    TaskIntent.objects.all().delete()

    justification_accept_many(records=records, by=world.a.tutor)

    assert [(intent.name, intent.kwargs["subject_ids"]) for intent in TaskIntent.objects.order_by("pk")] == [
        ("alerts.reevaluate_subject", sorted([world.a.apprentice.pk, second.pk])),
    ]


@pytest.mark.parametrize(
    ("site_url", "url"),
    [
        ("https://cfa.example.test", "https://cfa.example.test/absences/"),
        ("https://cfa.example.test/", "https://cfa.example.test/absences/"),  # the trailing slash dropped
        ("https://cfa.example.test//", "https://cfa.example.test/absences/"),
        ("https://cfa.example.test/EXTRANETX/", "https://cfa.example.test/EXTRANETX/absences/"),  # only slashes dropped
    ],
    ids=["no-slash", "one-slash", "two-slashes", "path-ending-in-x"],
)
def test_site_url_joins_settings_site_url_and_the_path_with_one_slash(settings, site_url, url):
    """``settings.SITE_URL``, with or without a trailing slash, before the links of the emails."""
    settings.SITE_URL = site_url

    assert _site_url("/absences/") == url
