"""Input validation of the CRM and placement screens; choice querysets come from selectors."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alternance import access
from alternance.models import Programme
from companies import selectors
from companies.choices import InteractionKind, InteractionOutcome, OfferStatus
from companies.models import Company, Offer

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class InteractionLogForm(forms.Form):
    """Logging an exchange in a few seconds: kind, outcome, summary, next follow-up."""

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
        self.fields["programme"].queryset = access.visible(user, Programme).order_by("title")
        self.fields["places"].min_value = 1
        self.fields["places"].widget.attrs["min"] = 1
        if self.instance.pk:
            # An offer stays with its company.
            self.fields["company"].disabled = True


class ProposeForm(forms.Form):
    company = forms.ModelChoiceField(
        label=_("Entreprise"), queryset=Company.objects.none(),
        error_messages={"required": _("Choisissez l'entreprise à qui proposer l'apprenti·e.")},
    )
    offer = forms.ModelChoiceField(label=_("Offre (facultatif)"), queryset=Offer.objects.none(), required=False)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = selectors.proposable_companies(user)
        self.fields["company"].label_from_instance = lambda c: f"{c.name} — {c.city}"
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
