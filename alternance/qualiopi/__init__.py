"""The Qualiopi evidence pack (issue 7, part 4): which records evidence which indicator
(``indicators``), how they are counted (``sources``), the pack built for the auditor (``packs``,
``tasks``) and the freshness of the evidence shown on the coordinator's dashboard.

Public entry points: ``INDICATORS``, ``evidence_freshness``, ``IndicatorFreshness``,
``evidence_pack_request`` (in ``packs``).
"""

from alternance.qualiopi.indicators import (
    INDICATORS,
    IndicatorFreshness,
    KeptFreshness,
    evidence_freshness,
    kept_evidence_freshness,
)

__all__ = ["INDICATORS", "IndicatorFreshness", "KeptFreshness", "evidence_freshness", "kept_evidence_freshness"]
