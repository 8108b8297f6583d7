"""Demo training sessions (issue 19 §1): every cohort's sessions generated from its calendar over
its dates (closures and holidays skipped, by the same service as the « Générer les séances »
screen), then given a trainer (the cohort's referent tutor), a subject and a room, round-robin over
the programme's competence blocks; one upcoming session of the first cohort is cancelled with its
reason, so that the list shows a greyed row. Deterministic and safe to run twice (the generation is
idempotent; only the sessions it has just created are dressed)."""

from __future__ import annotations

from datetime import date

from alternance.choices import SessionStatus
from alternance.models import Cohort, CompetenceBlock, TrainingSession
from alternance.sessions.services import sessions_generate

# Subjects of a programme without competence blocks.
GENERIC_SUBJECTS = (
    "Méthodologie de projet", "Communication professionnelle", "Anglais professionnel", "Outils numériques",
    "Réglementation et sécurité", "Retour d'expérience en entreprise",
)
ROOMS = ("Salle 12", "Salle 14", "Salle informatique 2", "Atelier")


def seed_sessions(*, today: date) -> dict[str, int]:
    cohorts = list(Cohort.objects.select_related("referent_tutor").order_by("start_date", "pk"))
    blocks: dict[int, list[CompetenceBlock]] = {}
    for block in CompetenceBlock.objects.order_by("programme_id", "order", "code"):
        blocks.setdefault(block.programme_id, []).append(block)
    created: list[TrainingSession] = []
    for cohort in cohorts:
        report = sessions_generate(cohort=cohort, start=cohort.start_date, end=cohort.end_date, created_by=None)
        own_blocks = blocks.get(cohort.programme_id, [])
        for index, session in enumerate(report.created):
            session.trainer = cohort.referent_tutor
            session.room = ROOMS[index % len(ROOMS)]
            if own_blocks:
                block = own_blocks[(index // 2) % len(own_blocks)]
                session.competence_block, session.subject = block, block.title[:200]
            else:
                session.subject = GENERIC_SUBJECTS[(index // 2) % len(GENERIC_SUBJECTS)]
        created += report.created
    TrainingSession.objects.bulk_update(created, ["trainer", "room", "competence_block", "subject"], batch_size=500)
    upcoming = next((s for s in created if s.day > today), None)
    if upcoming is not None:
        TrainingSession.objects.filter(pk=upcoming.pk).update(status=SessionStatus.CANCELLED, cancel_reason="Formateur en jury d'examen")
    return {str(TrainingSession._meta.verbose_name_plural): len(created)}
