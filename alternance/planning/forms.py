"""Forms of the alternance calendar: OF closures, a cohort's key dates, one apprentice's exception
for a day. They validate input only (French messages that say how to fix it); the services in
``planning.services`` write, and the choice lists come from the access policy's scopes."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from alternance import access
from alternance.choices import CalendarPlace, KeyDateKind
from alternance.models import Apprentice, Cohort, User

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME_WIDGET = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATE_ERRORS = {
    "required": _("Indiquez une date."),
    "invalid": _("Saisissez une date valide, par exemple 21/12/2026."),
}
TIME_ERRORS = {"invalid": _("Saisissez une heure valide, par exemple 09:30.")}


class StyledForm(forms.Form):
    """Bootstrap classes on every widget."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect):
                widget.attrs["class"] = "form-check-input"
            elif isinstance(widget, forms.Select):
                widget.attrs["class"] = "form-select"
            else:
                widget.attrs["class"] = "form-control"


class ClosureForm(StyledForm):
    label = forms.CharField(
        label=_("Libellé"), max_length=120, help_text=_("Par exemple : Vacances de Noël."),
        error_messages={"required": _("Donnez un nom à la fermeture, par exemple « Vacances de Noël »."),
                        "max_length": _("Raccourcissez le libellé à 120 caractères au plus.")},
    )
    start_date = forms.DateField(label=_("Du"), widget=DATE_WIDGET, error_messages=DATE_ERRORS)
    end_date = forms.DateField(label=_("Au (inclus)"), widget=DATE_WIDGET, error_messages=DATE_ERRORS)
    cohort = forms.ModelChoiceField(
        label=_("Promotion"), queryset=Cohort.objects.none(), required=False, empty_label=_("Tout l'organisme"),
        help_text=_("Laissez « Tout l'organisme » pour une fermeture du centre entier."),
        error_messages={"invalid_choice": _("Choisissez une promotion de la liste, ou « Tout l'organisme ».")},
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cohort"].queryset = access.visible(user, Cohort).order_by("-start_date", "name")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("La fermeture se termine avant de commencer : choisissez une date de fin "
                                         "postérieure ou égale à la date de début."))
        return cleaned


class KeyDateForm(StyledForm):
    kind = forms.ChoiceField(
        label=_("Type"), choices=KeyDateKind.choices,
        error_messages={"invalid_choice": _("Choisissez un type de date clé dans la liste.")},
    )
    label = forms.CharField(
        label=_("Libellé"), max_length=200, help_text=_("Par exemple : Épreuve E5 — soutenance orale."),
        error_messages={"required": _("Indiquez de quoi il s'agit, par exemple « Épreuve E5 »."),
                        "max_length": _("Raccourcissez le libellé à 200 caractères au plus.")},
    )
    day = forms.DateField(label=_("Date"), widget=DATE_WIDGET, error_messages=DATE_ERRORS)
    start_time = forms.TimeField(label=_("Heure de début"), required=False, widget=TIME_WIDGET, error_messages=TIME_ERRORS)
    end_time = forms.TimeField(label=_("Heure de fin"), required=False, widget=TIME_WIDGET, error_messages=TIME_ERRORS)
    location = forms.CharField(label=_("Lieu"), max_length=200, required=False,
                               error_messages={"max_length": _("Raccourcissez le lieu à 200 caractères au plus.")})
    apprentice = forms.ModelChoiceField(
        label=_("Apprenti·e"), queryset=Apprentice.objects.none(), required=False, empty_label=_("Toute la promotion"),
        help_text=_("Laissez « Toute la promotion » sauf pour une date qui ne concerne qu'une personne."),
        error_messages={"invalid_choice": _("Choisissez un·e apprenti·e de cette promotion, ou « Toute la promotion ».")},
    )

    def __init__(self, *args, cohort: Cohort, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.cohort = cohort
        self.fields["apprentice"].queryset = (
            access.visible(user, Apprentice).filter(cohort=cohort).order_by("last_name", "first_name", "pk")
        )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_time"), cleaned.get("end_time")
        if end and not start:
            self.add_error("start_time", _("Indiquez l'heure de début, ou effacez l'heure de fin."))
        elif start and end and end <= start:
            self.add_error("end_time", _("L'heure de fin doit suivre l'heure de début."))
        return cleaned


class CalendarOverrideForm(StyledForm):
    day = forms.DateField(label=_("Jour"), widget=DATE_WIDGET, error_messages=DATE_ERRORS)
    place = forms.ChoiceField(
        label=_("Ce jour-là, l'apprenti·e est"), choices=CalendarPlace.choices, widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez où est l'apprenti·e ce jour-là."),
                        "invalid_choice": _("Choisissez centre de formation, entreprise ou repos.")},
    )
    reason = forms.CharField(
        label=_("Motif"), max_length=200, help_text=_("Par exemple : rattrapage d'un cours, accord avec l'employeur."),
        error_messages={"required": _("Indiquez le motif de l'exception (il s'affiche dans le calendrier)."),
                        "max_length": _("Raccourcissez le motif à 200 caractères au plus.")},
    )
