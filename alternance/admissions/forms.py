"""Forms of admissions: input only (the services check the rules). French labels and errors."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from alternance.admissions import services
from alternance.catalogue.selectors import occupancy
from alternance.choices import CandidateSource, PositioningKind
from alternance.models import Candidate
from alternance.phones import normalize_phone_number

IDENTITY_FIELDS = (
    "last_name", "first_name", "sex", "birth_date", "birth_department", "birth_commune", "ine",
    "email", "phone", "address", "postal_code", "city", "last_diploma",
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class _IdentityForm(forms.ModelForm):
    """The identity, contact and last diploma of a candidate (what the apprentice record needs)."""

    class Meta:
        model = Candidate
        fields = IDENTITY_FIELDS
        widgets = {"birth_date": DateInput()}
        help_texts = {
            "ine": _("Identifiant national élève : 11 caractères, sur les relevés de notes et Parcoursup. Facultatif."),
            "birth_department": _("Numéro du département (ex. 75, 2A), ou 99 si vous êtes né·e à l'étranger."),
        }
        error_messages = {
            "birth_date": {"invalid": _("Saisissez la date de naissance au format jj/mm/aaaa.")},
            "email": {"invalid": _("Saisissez une adresse e-mail complète, par exemple prenom.nom@exemple.fr.")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for bound in self.fields.values():
            widget = bound.widget
            widget.attrs.setdefault("class", "form-select" if isinstance(widget, forms.Select) else "form-control")
        self.fields["email"].widget.attrs.update(autocomplete="email", inputmode="email")
        self.fields["phone"].widget.attrs.update(autocomplete="tel", inputmode="tel")
        self.fields["postal_code"].widget.attrs.update(autocomplete="postal-code", inputmode="numeric")
        self.fields["last_name"].widget.attrs.update(autocomplete="family-name")
        self.fields["first_name"].widget.attrs.update(autocomplete="given-name")
        self.fields["address"].widget.attrs.update(autocomplete="street-address")

    def _post_clean(self):
        # The services build and validate the record (with the day's rules): the form checks input only.
        pass

    def clean_phone(self):
        # The numbering plans, as the Tableau de bord checks them (issue 15 §12).
        return normalize_phone_number(self.cleaned_data.get("phone"))

    def identity(self) -> dict:
        return {name: self.cleaned_data[name] for name in IDENTITY_FIELDS}


class CvField(forms.FileField):
    widget = forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf", "class": "form-control"})

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload:
            try:
                # Before anything reads the file: an oversized upload is refused on its size alone.
                services.cv_size_check(upload.size)
            except ValidationError as error:
                raise ValidationError(error.message_dict["cv"]) from None
        return upload


class PublicApplicationForm(_IdentityForm):
    cv = CvField(label=_("CV (PDF)"))
    consent = forms.BooleanField(
        label=_("J'ai lu la notice ci-dessus et j'accepte que le centre de formation traite ces données pour étudier ma candidature."),
        error_messages={"required": _("Cochez la case d'accord sur vos données personnelles : sans elle, nous ne pouvons pas étudier votre candidature.")},
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    # Honeypot: hidden from people (CSS and aria-hidden), filled in by robots. Must stay empty.
    website = forms.CharField(label=_("Site web (laisser vide)"), required=False,
                              widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}))

    class Meta(_IdentityForm.Meta):
        pass

    def is_spam(self) -> bool:
        return bool(self.data.get("website", "").strip())


class CandidateForm(_IdentityForm):
    """A candidate keyed in by the staff."""

    programme = forms.ModelChoiceField(queryset=None, label=_("Formation demandée"),
                                       widget=forms.Select(attrs={"class": "form-select"}))
    source = forms.ChoiceField(choices=CandidateSource.choices, label=_("Origine de la candidature"),
                               widget=forms.Select(attrs={"class": "form-select"}))
    cv = CvField(label=_("CV (PDF, facultatif)"), required=False)

    class Meta(_IdentityForm.Meta):
        pass

    def __init__(self, *args, programmes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes
        self.order_fields(["programme", "source", *IDENTITY_FIELDS, "cv"])


class PositioningForm(forms.Form):
    kind = forms.ChoiceField(choices=PositioningKind.choices, label=_("Type"), widget=forms.Select(attrs={"class": "form-select"}))
    day = forms.DateField(label=_("Date"), widget=DateInput(attrs={"class": "form-control"}),
                          error_messages={"required": _("Indiquez la date du test ou de l'entretien (jj/mm/aaaa)."),
                                          "invalid": _("Saisissez la date au format jj/mm/aaaa.")})
    comment = forms.CharField(label=_("Commentaire"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}))


DECISIONS = (
    ("admit", _("Admettre")),
    ("wait", _("Mettre sur liste d'attente")),
    ("refuse", _("Refuser")),
)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=DECISIONS, label=_("Décision"), widget=forms.Select(attrs={"class": "form-select"}))
    result = forms.CharField(label=_("Résultat du positionnement"), required=False, max_length=200,
                             widget=forms.TextInput(attrs={"class": "form-control"}))
    comment = forms.CharField(label=_("Commentaire"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}))


class WithdrawForm(forms.Form):
    comment = forms.CharField(label=_("Motif du désistement"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}))


class _CohortChoiceField(forms.ModelChoiceField):
    """A cohort with its places (« 18 inscrit·es sur 20 places ») when it has a capacity."""

    def label_from_instance(self, obj) -> str:
        if getattr(obj, "enrolled", None) is None or obj.capacity is None:
            return str(obj)
        return f"{obj.name} — {occupancy(obj.enrolled, obj.capacity)}"


class EnrolForm(forms.Form):
    cohort = _CohortChoiceField(queryset=None, label=_("Promotion"), widget=forms.Select(attrs={"class": "form-select"}),
                                error_messages={"required": _("Choisissez la promotion où inscrire la personne."),
                                                "invalid_choice": _("Cette promotion n'est plus proposée : choisissez-en une dans la liste.")})
    legal_representative_name = forms.CharField(label=_("Représentant légal (nom et prénom)"), required=False, max_length=200,
                                                help_text=_("Obligatoire pour un·e mineur·e non émancipé·e."),
                                                widget=forms.TextInput(attrs={"class": "form-control"}))
    legal_representative_email = forms.EmailField(label=_("E-mail du représentant légal"), required=False,
                                                  widget=forms.EmailInput(attrs={"class": "form-control"}))
    legal_representative_phone = forms.CharField(label=_("Téléphone du représentant légal"), required=False, max_length=20,
                                                 widget=forms.TextInput(attrs={"class": "form-control"}))
    legal_representative_address = forms.CharField(label=_("Adresse du représentant légal"), required=False, max_length=255,
                                                   widget=forms.TextInput(attrs={"class": "form-control"}))
    # Shown once the chosen cohort turned out to be full (the service asks for this confirmation).
    over_capacity = forms.BooleanField(label=_("Inscrire au-delà de la capacité de la promotion"), required=False,
                                       widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))

    def __init__(self, *args, cohorts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cohort"].queryset = cohorts

    def clean_legal_representative_phone(self):
        return normalize_phone_number(self.cleaned_data.get("legal_representative_phone"))
