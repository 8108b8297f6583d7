"""The dashboard's OPCO figures counted in the database equal the board's "late" tab, row for row."""

from collections import Counter
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from alternance.models import User
from contracts.opco import BoardFilter, opco_board, opco_late_counts

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 28)


@pytest.mark.parametrize("offset_days", [0, 9, 40, 130])
@pytest.mark.parametrize("email", ["coordination@demo.test", "tuteur@demo.test"])
def test_late_counts_equal_the_boards_late_tab(email, offset_days):
    call_command("seed_demo", apprentices=120, seed=11, today=TODAY.isoformat(), stdout=StringIO())
    user = User.objects.get(email=email)
    today = TODAY + timedelta(days=offset_days)

    board = Counter(row.category for row in opco_board(user, today=today, filter=BoardFilter.LATE))

    assert opco_late_counts(user, today=today) == dict(board)
    assert sum(board.values()) > 0  # the demo has late items to compare
