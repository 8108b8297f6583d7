"""Form of the Tableau de bord export page: a school year and a format (input validation only)."""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from alternance.models import TdbExport
from alternance.tdb.school_year import SchoolYear, parse_school_year, school_year_of

# School years offered around today's: two past ones (late corrections), the current one, the next
# one (learners enrolled in advance).
YEARS_BEFORE, YEARS_AFTER = 2, 1


def school_year_choices(today: date) -> list[tuple[str, str]]:
    current = school_year_of(today).first_year
    years = [SchoolYear(year) for year in range(current + YEARS_AFTER, current - YEARS_BEFORE - 1, -1)]
    return [(year.label, year.label) for year in years]


class TdbExportForm(forms.Form):
    annee_scolaire = forms.ChoiceField(
        label=_("Année scolaire"),
        help_text=_("Du 1er septembre au 31 août."),
        error_messages={
            "required": _("Choisissez l'année scolaire à déclarer."),
            "invalid_choice": _("Choisissez une des années scolaires proposées (par exemple 2026-2027)."),
        },
    )
    format = forms.ChoiceField(
        label=_("Format"),
        choices=TdbExport.Format.choices,
        initial=TdbExport.Format.XLSX,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choisissez le format : le fichier XLSX du modèle ou le JSON de l'API."),
            "invalid_choice": _("Choisissez le fichier XLSX du modèle ou le JSON de l'API."),
        },
    )

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["annee_scolaire"].choices = school_year_choices(today)
        self.fields["annee_scolaire"].initial = school_year_of(today).label

    def clean_annee_scolaire(self) -> str:
        value = self.cleaned_data["annee_scolaire"]
        try:
            return parse_school_year(value).label
        except ValueError as error:
            raise ValidationError(str(error)) from None
