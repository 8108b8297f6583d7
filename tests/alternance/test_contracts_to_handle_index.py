"""The admin staff's « Contrats à traiter » read along a partial index of their statuses (issue 18 §2:
12 ms at 20 000 contracts through the start date's index, 17 000 other contracts filtered out; 0,1 ms
along contract_to_handle_idx): the index's condition names exactly the statuses of the list. (Its use
is checked with EXPLAIN ANALYZE at 20 000, README « Fifth pass »: on a test database of a few rows the
planner's choice between this index and the status index is not stable.)"""

import pytest

from alternance.selectors import CONTRACTS_TO_HANDLE_STATUSES
from contracts.models import Contract

pytestmark = pytest.mark.django_db


def test_the_index_condition_names_the_statuses_to_handle():
    index = next(index for index in Contract._meta.indexes if index.name == "contract_to_handle_idx")

    assert index.fields == ["start_date", "id"]
    assert index.condition.children == [("status__in", list(CONTRACTS_TO_HANDLE_STATUSES))]
