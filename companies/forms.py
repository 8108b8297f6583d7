"""Input validation of the CRM and placement screens; choice querysets come from selectors."""

from django import forms
from django.core.validators import MaxLengthValidator
from django.db.models import Q
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from alternance import access
from alternance.models import Programme
from alternance.phones import normalize_phone_number
from alternance.search.fields import SearchableModelChoiceField
from companies import selectors
from companies.choices import InteractionKind, InteractionOutcome, OfferStatus
from companies.models import Company, CompanyContact, Interaction, Offer
from companies.services import COMPANY_FIELDS, CONTACT_FIELDS, company_with_siret

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class FollowUpChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        who = f" — {obj.contact.full_name}" if obj.contact_id else ""
        return _("Relance du %(day)s%(who)s : %(summary)s") % {
            "day": f"{obj.next_follow_up:%d/%m/%Y}", "who": who, "summary": Truncator(obj.summary).chars(60),
        }


class ContactChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.full_name} ({obj.job_title})" if obj.job_title else obj.full_name


class InteractionLogForm(forms.Form):
    """Logging an exchange in a few seconds: kind, outcome, contact reached, summary, the open
    follow-up it answers (closed with it), next follow-up. Choices are the company's own, in the
    user's scope: a contact or follow-up of another company is refused as an invalid choice."""

    contact = ContactChoiceField(
        label=_("Contact joint"), required=False, queryset=CompanyContact.objects.none(), empty_label=_("Personne en particulier"),
        error_messages={"invalid_choice": _("Ce contact n'est pas un contact actif de cette entreprise : choisissez-en un dans la liste.")},
    )
    answers_follow_up = FollowUpChoiceField(
        label=_("Relance traitée par cet échange"), required=False, queryset=Interaction.objects.none(),
        empty_label=_("Aucune (échange spontané)"),
        help_text=_("La relance choisie est marquée comme faite en même temps que l'échange est enregistré."),
        error_messages={"invalid_choice": _("Cette relance n'est plus ouverte ou ne vous revient pas : choisissez-en une dans la liste, ou aucune.")},
    )
    kind = forms.ChoiceField(label=_("Type"), choices=InteractionKind.choices, initial=InteractionKind.CALL)
    outcome = forms.ChoiceField(label=_("Issue"), choices=InteractionOutcome.choices, initial=InteractionOutcome.NEUTRAL)
    summary = forms.CharField(
        label=_("Résumé"), widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Résumez l'échange en une phrase ou deux.")},
    )
    next_follow_up = forms.DateField(
        label=_("Prochaine relance"), required=False, widget=DATE,
        error_messages={"invalid": _("Saisissez une date valide (jj/mm/aaaa).")},
    )

    def __init__(self, *args, user, company: Company, follow_up: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = selectors.contact_choices(user, company)
        self.fields["answers_follow_up"].queryset = selectors.open_follow_ups(user, company)
        # Coming from a follow-up (the "Noter l'échange" link of "Mes relances"): preselect it and its contact.
        if follow_up is not None and not self.is_bound:
            answered = self.fields["answers_follow_up"].queryset.filter(pk=follow_up).first()
            if answered is not None:
                self.initial["answers_follow_up"] = answered.pk
                if answered.contact_id and answered.contact.active:
                    self.initial["contact"] = answered.contact_id

    def clean_next_follow_up(self):
        day = self.cleaned_data.get("next_follow_up")
        if day and day < timezone.localdate():
            raise forms.ValidationError(_("La prochaine relance ne peut pas être dans le passé : choisissez aujourd'hui ou plus tard."))
        return day


class SensitiveForm(forms.Form):
    sensitive = forms.BooleanField(label=_("Entreprise sensible"), required=False)
    reason = forms.CharField(label=_("Motif"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        data = super().clean()
        if data.get("sensitive") and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Indiquez pourquoi l'entreprise est signalée sensible (turnover, tensions, relances…)."))
        return data


class ReassignForm(forms.Form):
    companies = forms.ModelMultipleChoiceField(
        label=_("Entreprises"), queryset=Company.objects.none(), widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Cochez au moins une entreprise à réaffecter.")},
    )
    to_cre = forms.ModelChoiceField(
        label=_("Nouveau ou nouvelle CRE"), queryset=Company.objects.none(),
        error_messages={"required": _("Choisissez le ou la CRE qui reprend ces entreprises.")},
    )

    def __init__(self, *args, user, companies_qs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["companies"].queryset = companies_qs
        self.fields["to_cre"].queryset = selectors.cre_choices(user)
        self.fields["to_cre"].label_from_instance = lambda u: u.get_full_name() or u.email
        self.fields["to_cre"].widget.attrs["class"] = "form-select"


class OfferForm(forms.ModelForm):
    # Hundreds of companies in a portfolio: a searchable field (« Raison sociale — SIRET — Ville », issue 13 §3).
    company = SearchableModelChoiceField(source="entreprises-placement", queryset=Company.objects.none(), label=_("Entreprise"))

    class Meta:
        model = Offer
        fields = ("company", "programme", "places", "start_date", "end_date", "description")
        widgets = {"start_date": DATE, "end_date": DATE, "description": forms.Textarea(attrs={"rows": 3})}
        error_messages = {
            "places": {"min_value": _("Indiquez au moins une place.")},
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = selectors.proposable_companies(user)
        # An archived programme is not offered for a new offer (issue 13 §2); an offer keeps its own.
        self.fields["programme"].queryset = access.visible(user, Programme).filter(
            Q(archived_at__isnull=True) | Q(pk=self.instance.programme_id)
        ).order_by("title")
        self.fields["places"].min_value = 1
        self.fields["places"].widget.attrs["min"] = 1
        if self.instance.pk:
            # An offer stays with its company.
            self.fields["company"].disabled = True


class ProposeForm(forms.Form):
    company = SearchableModelChoiceField(
        source="entreprises-placement", label=_("Entreprise"), queryset=Company.objects.none(),
        error_messages={"required": _("Choisissez l'entreprise à qui proposer l'apprenti·e.")},
    )
    offer = forms.ModelChoiceField(label=_("Offre (facultatif)"), queryset=Offer.objects.none(), required=False)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = selectors.proposable_companies(user)
        self.fields["offer"].queryset = access.visible(user, Offer).filter(status=OfferStatus.OPEN).select_related("company", "programme")
        self.fields["offer"].label_from_instance = lambda o: f"{o.company.name} — {o.programme.short_title or o.programme.title} ({o.start_date:%d/%m/%Y})"

    def clean(self):
        data = super().clean()
        offer, company = data.get("offer"), data.get("company")
        if offer and company and offer.company_id != company.pk:
            self.add_error("offer", _("Cette offre appartient à une autre entreprise : choisissez une offre de %(company)s ou aucune.")
                           % {"company": company.name})
        return data


class MoveForm(forms.Form):
    comment = forms.CharField(label=_("Commentaire"), required=False)


class CompanyForm(forms.ModelForm):
    """Create or edit a company. The OPCO is derived from the IDCC unless « OPCO saisi
    manuellement » is ticked; the coordinator also chooses the CRE référent·e.

    A SIRET already recorded is refused and ``duplicate`` holds that company, so that the page
    offers to open it instead; ``same_siren`` lists the other establishments of the same company."""

    class Meta:
        model = Company
        fields = COMPANY_FIELDS
        error_messages = {
            "name": {"required": _("Indiquez la raison sociale de l'entreprise.")},
            "siret": {"required": _("Indiquez le SIRET de l'établissement (14 chiffres, sur l'avis de situation INSEE).")},
            "naf_code": {"required": _("Indiquez le code NAF, par exemple 62.01Z.")},
            "idcc": {"required": _("Indiquez l'IDCC de la convention collective (9999 s'il n'y en a aucune).")},
            "address": {"required": _("Indiquez l'adresse de l'établissement.")},
            "postal_code": {"required": _("Indiquez le code postal (5 chiffres).")},
            "city": {"required": _("Indiquez la commune.")},
            "headcount": {"invalid": _("Indiquez l'effectif en nombre entier de salarié·es, par exemple 12.")},
            "email": {"invalid": _("Saisissez une adresse e-mail complète, par exemple contact@entreprise.fr.")},
        }

    def __init__(self, *args, user, can_choose_owner: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.duplicate: Company | None = None
        self.same_siren: list[Company] = []
        self.similar: list[Company] = []
        if not self.instance.pk:
            # A similar name in the same postal code: probably the same company under another
            # SIRET. Creating it anyway takes this box (the page lists them with a link).
            self.fields["confirm_distinct"] = forms.BooleanField(
                label=_("Il s'agit bien d'une autre entreprise ou d'un autre établissement que celles listées ci-dessus"),
                required=False, widget=forms.HiddenInput,
            )
        # Let the model normalise what people type ("732 829 320 00074", "62.01Z") before its checks.
        for name in ("siret", "naf_code", "idcc"):
            field = self.fields[name]
            field.max_length = None
            field.validators = [v for v in field.validators if not isinstance(v, MaxLengthValidator)]
            field.widget.attrs.pop("maxlength", None)
        self.fields["siret"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})
        self.fields["opco"].help_text = _("Laissé vide, l'OPCO est déduit de l'IDCC ; cochez « OPCO saisi manuellement » pour l'imposer.")
        if can_choose_owner:
            self.fields["owner_cre"] = forms.ModelChoiceField(
                label=_("CRE référent·e"), queryset=selectors.cre_choices(user), required=False,
                empty_label=_("— aucun·e —"),
            )
            self.fields["owner_cre"].label_from_instance = lambda u: u.get_full_name() or u.email
            if self.instance.pk:
                self.initial.setdefault("owner_cre", self.instance.owner_cre_id)
        self._user = user

    def clean_siret(self):
        siret = self.cleaned_data.get("siret", "")
        existing = company_with_siret(siret, exclude_pk=self.instance.pk)
        if existing is not None:
            self.duplicate = existing
            raise forms.ValidationError(
                _("Ce SIRET est déjà enregistré pour « %(name)s » (%(city)s) : ouvrez sa fiche plutôt que d'en créer une seconde.")
                % {"name": existing.name, "city": existing.city},
                code="duplicate",
            )
        compact = "".join(ch for ch in siret if ch.isdigit())
        if len(compact) == 14:
            self.same_siren = list(
                access.visible(self._user, Company).filter(siret__startswith=compact[:9]).exclude(pk=self.instance.pk).order_by("siret")
            )
        return siret

    def clean_phone(self):
        # The numbering plans, as the Tableau de bord checks them (issue 15 §12).
        return normalize_phone_number(self.cleaned_data.get("phone"))

    def clean(self):
        data = super().clean()
        if "confirm_distinct" in self.fields and not self.errors and not data.get("confirm_distinct"):
            self.similar = selectors.similar_companies(self._user, name=data.get("name", ""), postal_code=data.get("postal_code", ""))
            if self.similar:
                # Shown now: the box to confirm a genuinely different company.
                self.fields["confirm_distinct"].widget = forms.CheckboxInput()
                self.add_error("confirm_distinct", _(
                    "Une entreprise au nom proche existe déjà dans ce code postal : ouvrez sa fiche si c'est la même, "
                    "ou cochez cette case pour enregistrer un autre établissement."
                ))
        return data


class ArchiveForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif de l'archivage"), widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Indiquez pourquoi l'entreprise est archivée (fermeture, doublon, plus de besoin…).")},
    )


class ContactForm(forms.ModelForm):
    """A person at a company; for a maître d'apprentissage, what the Cerfa and the pre-flight check read."""

    class Meta:
        model = CompanyContact
        fields = CONTACT_FIELDS
        widgets = {"birth_date": DATE}
        error_messages = {
            "last_name": {"required": _("Indiquez le nom de la personne.")},
            "first_name": {"required": _("Indiquez le prénom de la personne.")},
            "email": {"invalid": _("Saisissez une adresse e-mail complète, par exemple prenom.nom@entreprise.fr.")},
            "birth_date": {"invalid": _("Saisissez une date valide (jj/mm/aaaa).")},
            "experience_years": {"invalid": _("Indiquez un nombre entier d'années, par exemple 5.")},
        }

    def clean_phone(self):
        return normalize_phone_number(self.cleaned_data.get("phone"))
