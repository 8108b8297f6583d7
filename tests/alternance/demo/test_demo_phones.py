"""The demo's phone numbers are allocated numbers: the Tableau de bord refused 41 of the 248 demo
learners for « Numéro de téléphone invalide » (issue 15 §12)."""

import random

from alternance.demo.builder import OrganisationBuilder
from alternance.phones import check_phone


def test_every_demo_phone_is_one_the_dashboard_accepts():
    builder = OrganisationBuilder.__new__(OrganisationBuilder)
    builder.rng = random.Random(7)
    numbers = [builder.phone(mobile=mobile) for mobile in (True, False) for _ in range(2000)]
    assert [number for number in numbers if not check_phone(number).ok] == []
    # Both mobile heads and the landline head are drawn, and the 07 block starts at 07 30.
    assert {number[:2] for number in numbers} == {"06", "07", "04"}
    assert min(number[:5] for number in numbers if number.startswith("07")) == "07 30"
