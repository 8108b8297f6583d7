"""Forms of the contracts workspace: input validation only; writes go through contracts.services."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from alternance import access
from alternance.models import Apprentice, Programme
from alternance.search.fields import SearchableModelChoiceField
from companies.models import Company, CompanyContact
from contracts.choices import (
    ContractKind,
    ContractType,
    DismissalGround,
    EmploymentTerm,
    RuptureInitiative,
    RuptureKind,
    rupture_kinds_for,
)
from contracts.models import Contract
from contracts.services import CONTRACT_FORM_FIELDS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ContractForm(forms.ModelForm):
    """Create or edit a contract. The choices come from the access policy: a user never picks an
    apprentice, a company or a contact outside its scope. The apprentice, the company and the
    maîtres d'apprentissage are searchable selects (hundreds of rows, homonyms told apart by their
    cohort and birth date, a company by its SIRET and town; issue 13 §3)."""

    apprentice = SearchableModelChoiceField(source="apprentis", queryset=Apprentice.objects.none(), label=_("Apprenti·e"))
    company = SearchableModelChoiceField(source="entreprises", queryset=Company.objects.none(), label=_("Employeur"))
    # The list of maîtres d'apprentissage narrows to the chosen company (its hidden id is sent along).
    master = SearchableModelChoiceField(
        source="maitres", include=("company",), queryset=CompanyContact.objects.none(), label=_("Maître d'apprentissage n° 1"),
    )
    second_master = SearchableModelChoiceField(
        source="maitres", include=("company",), queryset=CompanyContact.objects.none(), required=False,
        label=_("Maître d'apprentissage n° 2"),
    )

    class Meta:
        model = Contract
        fields = CONTRACT_FORM_FIELDS
        widgets = {
            name: DATE
            for name in ("start_date", "practical_training_start_date", "end_date", "training_start_date", "exams_end_date")
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["apprentice"].queryset = access.visible(user, Apprentice).select_related("cohort").order_by("last_name", "first_name")
        # Archived companies leave the picker; a contract already with one keeps it.
        self.fields["company"].queryset = access.visible(user, Company).filter(
            Q(archived_at__isnull=True) | Q(pk=self.instance.company_id)
        ).order_by("name")
        # Archived programmes leave the picker too (issue 13 §2); a contract already with one keeps it.
        self.fields["programme"].queryset = access.visible(user, Programme).filter(
            Q(archived_at__isnull=True) | Q(pk=self.instance.programme_id)
        ).order_by("title")
        masters = access.visible(user, CompanyContact).filter(is_master=True, active=True).select_related("company")
        company_id = self._selected_company_id()
        if company_id:
            masters = masters.filter(company_id=company_id)
        for name in ("master", "second_master"):
            self.fields[name].queryset = masters.order_by("last_name", "first_name")
        # Amendment types are created from the contract page, not chosen here.
        self.fields["contract_type"].choices = [(v, label) for v, label in ContractType.choices if v < 31]
        self.fields["master"].required = True
        # CDD unless said otherwise: the apprenticeship Cerfa does not ask it, a contrat pro does (L6325-5).
        self.fields["employment_term"].required = False
        self.fields["employment_term"].choices = EmploymentTerm.choices
        for name in ("gross_monthly_salary", "training_hours", "practical_training_start_date", "training_start_date"):
            self.fields[name].required = True

    def clean_employment_term(self) -> str:
        return self.cleaned_data.get("employment_term") or EmploymentTerm.FIXED_TERM

    def _selected_company_id(self):
        raw = self.data.get(self.add_prefix("company")) if self.is_bound else (self.initial.get("company") or self.instance.company_id)
        try:
            return int(raw.pk if hasattr(raw, "pk") else raw)
        except (TypeError, ValueError):
            return None


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("Commentaire"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class BackToDraftForm(forms.Form):
    comment = forms.CharField(label=_("Motif du retour en brouillon"), widget=forms.Textarea(attrs={"rows": 2}))


class SignedForm(forms.Form):
    signature_date = forms.DateField(label=_("Date de signature"), widget=DATE)
    comment = forms.CharField(label=_("Commentaire"), required=False)


class SendToOpcoForm(forms.Form):
    sent_date = forms.DateField(label=_("Date d'envoi à l'OPCO"), widget=DATE)
    comment = forms.CharField(label=_("Commentaire"), required=False)


class OpcoDecisionForm(forms.Form):
    accepted = forms.TypedChoiceField(
        label=_("Décision"), choices=[("1", _("Prise en charge acceptée")), ("0", _("Refusée"))], coerce=lambda v: v == "1"
    )
    decision_date = forms.DateField(label=_("Date de la décision"), widget=DATE)
    complete_file_date = forms.DateField(label=_("Dossier complet reçu le"), required=False, widget=DATE)
    deposit_number = forms.CharField(label=_("Numéro de dépôt"), required=False, max_length=15)
    comment = forms.CharField(label=_("Commentaire"), required=False)


class RuptureForm(forms.Form):
    rupture_date = forms.DateField(label=_("Date de rupture"), widget=DATE)
    kind = forms.ChoiceField(label=_("Type de rupture"), choices=RuptureKind.choices)
    initiative = forms.ChoiceField(label=_("À l'initiative de"), choices=RuptureInitiative.choices)
    dismissal_ground = forms.ChoiceField(label=_("Motif du licenciement"), choices=[("", "—"), *DismissalGround.choices], required=False)
    mediator_referral_date = forms.DateField(label=_("Saisine du médiateur (démission)"), required=False, widget=DATE)
    employer_informed_date = forms.DateField(
        label=_("Employeur informé par écrit par l'apprenti·e le"), required=False, widget=DATE,
        help_text=_("Démission après saisine du médiateur, ou fin anticipée après l'obtention du diplôme (préavis écrit)."),
    )
    opco_notified_date = forms.DateField(label=_("Rupture notifiée à l'OPCO le"), required=False, widget=DATE)
    cause = forms.CharField(label=_("Cause de la rupture"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, contract: Contract | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # A contrat pro is not offered the 45-day free rupture, the mediator nor the early end after
        # the diploma (whose written notice is the "employer informed" date); an apprenticeship has
        # no trial period (contracts.choices.rupture_kinds_for).
        self.fields["kind"].choices = rupture_kinds_for(contract.kind if contract is not None else ContractKind.APPRENTICESHIP)
        if contract is not None and contract.kind == ContractKind.PROFESSIONALISATION:
            del self.fields["mediator_referral_date"]
            del self.fields["employer_informed_date"]

    def clean(self):
        data = super().clean()
        data.setdefault("mediator_referral_date", None)
        data.setdefault("employer_informed_date", None)
        return data


class AmendmentForm(forms.Form):
    contract_type = forms.TypedChoiceField(
        label=_("Type d'avenant"), coerce=int, choices=[(v, label) for v, label in ContractType.choices if v >= 31]
    )
    effective_date = forms.DateField(label=_("Date d'effet"), widget=DATE)
    comment = forms.CharField(label=_("Objet de l'avenant"), required=False)

