"""Forms of the apprentice records: input only (the services check the rules that need the
database or the day). French labels, and errors that say how to fix the input."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from alternance.apprentices.selectors import normalize_ine
from alternance.apprentices.services import CONTACT_FIELDS, OWN_FIELDS, RECORD_FIELDS
from alternance.choices import ExitReason
from alternance.models import Apprentice
from alternance.phones import normalize_phone_number
from alternance.validators import validate_department, validate_ine, validate_nir, validate_postal_code

# The staff form's sections, in the Cerfa's order.
SECTIONS = (
    (_("Identité"), ("last_name", "usage_name", "first_name", "sex", "birth_date", "birth_department", "birth_commune",
                     "nationality", "social_regime", "ine", "nir", "clear_nir")),
    (_("Coordonnées"), ("address", "postal_code", "city", "phone", "email")),
    (_("Représentant légal (mineur·e non émancipé·e)"), (
        "emancipated", "legal_representative_name", "legal_representative_address", "legal_representative_email",
        "legal_representative_phone")),
    (_("Situations particulières"), ("rqth", "rqth_date", "top_athlete", "business_project")),
    (_("Scolarité avant le contrat"), ("situation_before_contract", "last_diploma_prepared", "last_diploma_title", "last_class",
                                           "highest_diploma")),
    (_("Formation"), ("cohort", "enrolment_date", "training_start_date")),
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class WriteOnlyInput(forms.TextInput):
    """A text input that never sends its value back to the browser (the NIR: once typed, it is
    never displayed again, not even on a form shown again with errors)."""

    def format_value(self, value):
        return None


def _phone(value: str) -> str:
    # The numbering plans, as the Tableau de bord checks them; stored « 06 12 34 56 78 » (issue 15 §12).
    return normalize_phone_number(value)


class _StyledModelForm(forms.ModelForm):
    """Bootstrap classes, French « required » messages naming the field, the Cerfa validators."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            else:
                widget.attrs.setdefault("class", "form-select" if isinstance(widget, forms.Select) else "form-control")
            field.error_messages["required"] = _("Renseignez ce champ : « %(label)s ».") % {"label": field.label}
            if isinstance(field, forms.DateField):
                field.error_messages["invalid"] = _("Saisissez une date valide au format jj/mm/aaaa.")
            if isinstance(field, forms.EmailField):
                field.error_messages["invalid"] = _("Saisissez une adresse e-mail complète, par exemple prenom.nom@exemple.fr.")
        for name, attrs in {
            "email": {"autocomplete": "email", "inputmode": "email"},
            "phone": {"autocomplete": "tel", "inputmode": "tel"},
            "postal_code": {"autocomplete": "postal-code", "inputmode": "numeric"},
            "address": {"autocomplete": "street-address"},
            "city": {"autocomplete": "address-level2"},
        }.items():
            if name in self.fields:
                self.fields[name].widget.attrs.update(attrs)

    def _post_clean(self):
        # The services validate the record as a whole (with the day's rules and the database):
        # the form checks input only.
        pass

    def clean_postal_code(self):
        value = (self.cleaned_data.get("postal_code") or "").strip()
        validate_postal_code(value)
        return value

    def clean_phone(self):
        return _phone(self.cleaned_data.get("phone"))

    def values(self) -> dict:
        """The typed values of the record's fields (what the service writes)."""
        return {name: self.cleaned_data[name] for name in self._meta.fields}


class ApprenticeForm(_StyledModelForm):
    """The whole record, for the coordinator and admin staff (create and edit)."""

    nir = forms.CharField(
        label=_("NIR (numéro de sécurité sociale)"), required=False, max_length=21,
        widget=WriteOnlyInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_("15 caractères, sur la carte Vitale. Facultatif. Il est enregistré chiffré et n'est jamais réaffiché : "
                    "si le formulaire signale une erreur, saisissez-le à nouveau."),
    )
    clear_nir = forms.BooleanField(label=_("Effacer le NIR enregistré"), required=False)
    confirm_homonym = forms.BooleanField(
        label=_("Créer quand même : il s'agit d'une autre personne (homonyme)"), required=False,
    )

    class Meta:
        model = Apprentice
        fields = RECORD_FIELDS
        widgets = {
            "birth_date": DateInput(), "rqth_date": DateInput(), "enrolment_date": DateInput(),
            "training_start_date": DateInput(),
        }
        help_texts = {
            "ine": _("Identifiant national élève : 11 caractères, sur les relevés de notes et Parcoursup. Facultatif."),
            "birth_department": _("Numéro du département (ex. 75, 2A, 974), ou 99 pour une naissance à l'étranger."),
            "legal_representative_name": _("Obligatoire pour un·e mineur·e non émancipé·e à l'entrée en formation."),
            "last_class": _("Code à 2 caractères de la rubrique « Dernière classe / année suivie » du Cerfa."),
        }

    def __init__(self, *args, cohorts=None, creating: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cohort"].queryset = cohorts
        self.fields["cohort"].error_messages["invalid_choice"] = _("Choisissez une promotion de la liste.")
        self.creating = creating
        if creating:
            del self.fields["clear_nir"]
        else:
            del self.fields["confirm_homonym"]
            if self.instance.has_nir:
                self.fields["nir"].label = _("Nouveau NIR (pour remplacer celui enregistré)")
                self.fields["nir"].help_text = _(
                    "Un NIR est enregistré ; il n'est jamais réaffiché. Laissez vide pour le conserver, saisissez-en un "
                    "autre pour le remplacer, ou cochez « Effacer le NIR enregistré »."
                )
            else:
                del self.fields["clear_nir"]

    def clean_ine(self):
        value = normalize_ine(self.cleaned_data.get("ine"))
        if value:
            validate_ine(value)
        return value

    def clean_birth_department(self):
        value = (self.cleaned_data.get("birth_department") or "").strip().upper()
        validate_department(value)
        return value

    def clean_legal_representative_phone(self):
        return _phone(self.cleaned_data.get("legal_representative_phone"))

    def clean_nir(self):
        value = (self.cleaned_data.get("nir") or "").strip()
        if value:
            validate_nir(value)
        return value

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("nir") and cleaned.get("clear_nir"):
            self.add_error("clear_nir", _("Saisissez un nouveau NIR ou cochez « Effacer », pas les deux."))
        return cleaned

    def sections(self) -> list[tuple[str, list]]:
        """The bound fields grouped as on the Cerfa (fields absent from this form are skipped)."""
        return [(title, [self[name] for name in names if name in self.fields]) for title, names in SECTIONS]

    def record_data(self) -> dict:
        """What the service writes, without the cohort and the dates it takes apart."""
        data = self.values()
        for name in ("cohort", "enrolment_date", "training_start_date"):
            data.pop(name)
        return data


class ContactForm(_StyledModelForm):
    """Address, postal code, city, phone and e-mail only (a cohort's referent tutor)."""

    class Meta:
        model = Apprentice
        fields = CONTACT_FIELDS


class OwnDetailsForm(_StyledModelForm):
    """« Mes coordonnées »: the apprentice's own phone and address."""

    class Meta:
        model = Apprentice
        fields = OWN_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].label = _("Téléphone")
        self.fields["address"].label = _("Adresse")
        self.fields["postal_code"].label = _("Code postal")
        self.fields["city"].label = _("Commune")


class OwnPhoneForm(forms.Form):
    """« Mes coordonnées »: an employer contact's own phone."""

    phone = forms.CharField(
        label=_("Téléphone"), max_length=20,
        error_messages={"required": _("Saisissez votre numéro de téléphone.")},
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "tel", "inputmode": "tel"}),
    )

    def clean_phone(self):
        return _phone(self.cleaned_data.get("phone"))


class LeaveForm(forms.Form):
    day = forms.DateField(
        label=_("Date de sortie"), widget=DateInput(attrs={"class": "form-control"}),
        error_messages={"required": _("Indiquez la date de sortie (jj/mm/aaaa)."),
                        "invalid": _("Saisissez une date valide au format jj/mm/aaaa.")},
    )
    reason = forms.ChoiceField(
        label=_("Motif de la sortie"), choices=[("", _("— Choisissez un motif —")), *ExitReason.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
        error_messages={"required": _("Choisissez le motif de la sortie dans la liste."),
                        "invalid_choice": _("Choisissez le motif de la sortie dans la liste.")},
    )
