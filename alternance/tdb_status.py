"""How the Tableau de bord de l'apprentissage counts a learner still looking for a company.

Rule (issue 15 §12): the dashboard computes each learner's status day by day; a learner enrolled
in training who has had no contract since entering is « inscrit » for 90 days, then counted as a
dropout (« abandon ») from the 91st day without a contract, whatever our own record says. The CFA
must know it before the State's figures do: the export reports these learners and the staff
screens (apprentice record, placement desk) say so.

Source: mission-apprentissage/flux-retour-cfas, ``server/src/jobs/ingestion/status/
effectif_status.builder.ts`` (``buildEffectifParcours``: ``consecutiveDaysWithoutContrat > 90 ?
ABANDON : INSCRIT`` for a learner without any contract yet), version of 20 August 2026 (commit
12cb59e9). Day 1 is the day of entry in training, so the 91st day is entry + 90 days. The number
of days is the dashboard's own parameter, not a law: ``settings.TDB_DROPOUT_WITHOUT_CONTRACT_DAYS``.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings

from alternance.choices import ApprenticeStatus

SOURCE_TDB_DROPOUT = (
    "Tableau de bord de l'apprentissage, calcul des statuts (flux-retour-cfas, effectif_status.builder.ts, 20/08/2026)"
)


def tdb_dropout_day(training_start: date) -> date:
    """The first day the dashboard counts a learner who never had a contract as a dropout."""
    return training_start + timedelta(days=settings.TDB_DROPOUT_WITHOUT_CONTRACT_DAYS)


def counted_as_dropout_by_tdb(*, status: str, training_start: date | None, today: date) -> bool:
    """A learner still looking for a company (never under contract: status « en recherche
    d'entreprise ») whom the dashboard counts as a dropout on ``today``."""
    return status == ApprenticeStatus.SEEKING and training_start is not None and today >= tdb_dropout_day(training_start)
