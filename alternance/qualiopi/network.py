"""Collector of indicator 28: the partner network (companies hosting an apprentice, contacted or
offering places over the period), the CRM log, the offers and the contracts concluded."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from alternance.qualiopi.common import (
    EXAMPLES_LIMIT,
    INTERACTION_HEADER,
    Details,
    Example,
    interaction_row,
    local_day,
    pick_examples,
)
from alternance.qualiopi.extracts import Extract, person, short
from alternance.qualiopi.sources import COMPANY_CONTACTS, CONTRACTS_SIGNED, OFFERS, Period, local_midnight
from companies.models import Company, Interaction, Offer
from contracts.choices import ContractStatus
from contracts.models import Contract

# A contract that puts an apprentice in a company: signed or later (drafts, pending signatures and
# files refused by the OPCO host nobody).
HOSTING_STATUSES = (
    ContractStatus.SIGNED, ContractStatus.SENT_TO_OPCO, ContractStatus.ACCEPTED, ContractStatus.IN_PROGRESS,
    ContractStatus.ENDED, ContractStatus.BROKEN,
)


# --- 28: partner network -------------------------------------------------------------------------------------

def _count_by_company(queryset) -> Coalesce:
    counted = queryset.filter(company=OuterRef("pk")).order_by().values("company").annotate(n=Count("pk", distinct=True)).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def collect_network(period: Period) -> Details:
    hosting = Contract.objects.filter(status__in=HOSTING_STATUSES, start_date__lte=period.end).filter(
        Q(rupture_date__isnull=True, end_date__gte=period.start) | Q(rupture_date__gte=period.start)
    )
    contacts_qs = COMPANY_CONTACTS.queryset(period)
    offers_qs = OFFERS.queryset(period)
    hosted = (
        hosting.filter(company=OuterRef("pk")).order_by().values("company").annotate(n=Count("apprentice", distinct=True)).values("n")
    )
    last_contact = Interaction.objects.filter(company=OuterRef("pk"), occurred_at__lt=local_midnight(period.end + timedelta(days=1)))
    companies = list(
        Company.objects.filter(
            Q(Exists(hosting.filter(company=OuterRef("pk"))))
            | Q(Exists(contacts_qs.filter(company=OuterRef("pk"))))
            | Q(Exists(offers_qs.filter(company=OuterRef("pk"))))
        )
        .annotate(
            hosted=Coalesce(Subquery(hosted, output_field=IntegerField()), Value(0)),
            contacts_n=_count_by_company(Interaction.objects.filter(COMPANY_CONTACTS.in_range(period))),
            offers_n=_count_by_company(Offer.objects.filter(OFFERS.in_range(period))),
            last_contact=Subquery(last_contact.order_by("-occurred_at").values("occurred_at")[:1]),
        )
        .select_related("owner_cre")
        .order_by("name", "pk")
    )
    contacts = list(contacts_qs.select_related("company", "contact", "apprentice", "author").order_by("occurred_at", "pk"))
    offers = list(offers_qs.select_related("company", "programme").order_by("created_at", "pk"))
    signed = list(
        CONTRACTS_SIGNED.queryset(period).select_related("apprentice", "company").order_by("-signature_date", "-pk")[:EXAMPLES_LIMIT]
    )
    details = Details()
    details.counts = [
        (_("Entreprises partenaires actives sur la période"), len(companies)),
        (_("… dont ayant accueilli au moins un·e apprenti·e"), sum(1 for company in companies if company.hosted)),
        (_("… dont signalées sensibles (suivi renforcé)"), sum(1 for company in companies if company.sensitive)),
    ]
    details.extracts = [
        Extract(
            "entreprises-partenaires.csv",
            _("Entreprises ayant accueilli un·e apprenti·e, échangé avec l'organisme ou proposé des places sur la période"),
            (_("Raison sociale"), _("SIRET"), _("Commune"), _("OPCO"), _("CRE référent·e"), _("Apprenti·es accueilli·es sur la période"),
             _("Échanges sur la période"), _("Offres sur la période"), _("Dernier échange"), _("Entreprise signalée sensible")),
            [
                [company.name, company.siret, company.city, company.opco, person(company.owner_cre), company.hosted,
                 company.contacts_n, company.offers_n, company.last_contact, company.sensitive]
                for company in companies
            ],
        ),
        Extract("echanges-entreprises.csv", _("Tous les échanges avec les entreprises sur la période"), INTERACTION_HEADER,
                [interaction_row(interaction) for interaction in contacts]),
        Extract(
            "offres-des-entreprises.csv", _("Offres de places reçues des entreprises"),
            (_("Reçue le"), _("Entreprise"), _("Formation"), _("Places"), _("Début souhaité"), _("Fin prévue"), _("État")),
            [
                [offer.created_at, offer.company.name, offer.programme.title, offer.places, offer.start_date, offer.end_date,
                 offer.get_status_display()]
                for offer in offers
            ],
        ),
    ]
    details.examples = pick_examples(
        [
            Example(local_day(interaction.occurred_at), _("Échange (%(kind)s) avec %(company)s, issue %(outcome)s — %(summary)s") % {
                "kind": interaction.get_kind_display().lower(), "company": interaction.company.name,
                "outcome": interaction.get_outcome_display().lower(), "summary": short(interaction.summary, 120),
            })
            for interaction in reversed(contacts[-EXAMPLES_LIMIT:])
        ],
        [
            Example(contract.signature_date, _("Contrat conclu : %(name)s chez %(company)s, du %(start)s au %(end)s") % {
                "name": contract.apprentice.full_name, "company": contract.company.name,
                "start": f"{contract.start_date:%d/%m/%Y}", "end": f"{contract.end_date:%d/%m/%Y}",
            })
            for contract in signed
        ],
        [
            Example(local_day(offer.created_at), ngettext("Offre de places — %(company)s : %(places)s place en %(programme)s",
                                                     "Offre de places — %(company)s : %(places)s places en %(programme)s", offer.places) % {
                "company": offer.company.name, "places": offer.places, "programme": offer.programme.title,
            })
            for offer in reversed(offers[-EXAMPLES_LIMIT:])
        ],
    )
    return details
