"""Which writes change the facts of which alert rules, and the hook the services call after them.

The nightly run (alerts.services.nightly_run) re-evaluates every rule for every subject; it stays
the safety net. But a write that removes (or creates) the condition of a rule for a subject — a
visit recorded, an absence justified, a contract sent to the OPCO, a rupture recorded — should not
leave the alert open (or missing) until the next night: after its commit, the service re-evaluates
the rules it can change, for the subjects it touched, with the same reconciliation
(``alerts.services.subjects_reevaluate`` through the task ``alerts.reevaluate_subject``).

This module is the one place that maps writes to rules. It imports neither the rules nor the
services (the writing services of every app import it): rule codes and subject models are strings,
checked against the registry by a test.
"""

from __future__ import annotations

from collections.abc import Iterable

from alternance.tasks import enqueue

APPRENTICE = "alternance.apprentice"
CONTRACT = "contracts.contract"

# write → {subject model: rules whose condition the write can change for that subject}.
# Read each rule (alerts/rules/<code>.py) for its inputs; a rule whose subject is another model
# (cre_overload: a CRE; master_capacity: a maître d'apprentissage) is left to the nightly run.
WRITE_RULES: dict[str, dict[str, tuple[str, ...]]] = {
    # alternance.tutoring.services.visit_record: the last visit date (visits_overdue), a visit
    # flagged at risk or a low grid, "no visit yet during the free period" (rupture_risk).
    "visit_recorded": {CONTRACT: ("visits_overdue",), APPRENTICE: ("rupture_risk",)},
    # alternance.attendance.register (the register, one half-day) and attendance.services
    # (a proof submitted — pending counts as justified —, accepted or refused): unjustified
    # absences, consecutive days, monthly rate (absences); the absence trend (rupture_risk).
    "attendance_changed": {APPRENTICE: ("absences", "rupture_risk")},
    # contracts.services._move — every contract transition: signed, sent to the OPCO, OPCO
    # decision, in progress, ended, broken (rupture)… The contract enters or leaves the statuses
    # the contract rules read (visits_overdue, contract_end, opco_delay: "not sent"); the
    # apprentice's status follows (apprentice_sync_status): under contract / rupturant / completed
    # (without_company, absences: followed learners, rupture_risk: learners under contract).
    "contract_status_changed": {
        CONTRACT: ("visits_overdue", "contract_end", "opco_delay"),
        APPRENTICE: ("without_company", "absences", "rupture_risk"),
    },
    # alternance.apprentices.services: a learner leaves the OF (exclusion date, status « Abandon ») or
    # comes back — it leaves or re-enters the followed learners of these rules.
    "apprentice_left": {APPRENTICE: ("without_company", "absences", "rupture_risk")},
    # contracts.opco: the OPCO file (dates, decision), its schedule, an instalment invoiced or paid,
    # the employer participation invoiced (opco_delay).
    "opco_file_changed": {CONTRACT: ("opco_delay",)},
    # alternance.merges.services: two duplicate records merged — the kept apprentice gathers the
    # contracts, attendance and visits of both (every apprentice rule may change); the contracts
    # that moved change their apprentice or employer (labels, the learner's other contracts).
    "record_merged": {
        CONTRACT: ("visits_overdue", "contract_end", "opco_delay"),
        APPRENTICE: ("without_company", "absences", "rupture_risk"),
    },
}


def facts_changed(write: str, *, contract_ids: Iterable[int] = (), apprentice_ids: Iterable[int] = ()) -> None:
    """After the commit of the current transaction, re-evaluate the rules ``WRITE_RULES[write]``
    for the given contracts and apprentices (one task per subject model; nothing if the
    transaction rolls back). A write absent from the map raises KeyError (a typo in a service)."""
    rules = WRITE_RULES[write]
    ids = {CONTRACT: sorted({pk for pk in contract_ids if pk}), APPRENTICE: sorted({pk for pk in apprentice_ids if pk})}
    for subject_model, codes in rules.items():
        if ids[subject_model]:
            kwargs = {"rules": list(codes), "subject_model": subject_model, "subject_ids": ids[subject_model]}
            # By name: the task module imports the services, never the reverse.
            enqueue("alerts.reevaluate_subject", kwargs=kwargs)  # the outbox: started once the write commits
