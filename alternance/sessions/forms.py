"""Forms of the training sessions (issue 19 §1). They validate input only, with French messages
that say how to fix it; the services write and check the overlap; the choices come from the
selectors (the access policy's scopes)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from alternance.models import Cohort, CompetenceBlock, TrainingSession, User
from alternance.planning.forms import DATE_ERRORS, DATE_WIDGET, TIME_WIDGET, StyledForm
from alternance.sessions import selectors

TIME_ERRORS = {"required": _("Indiquez une heure, par exemple 09:00."), "invalid": _("Saisissez une heure valide, par exemple 09:30.")}


class _PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.email


class SessionForm(StyledForm):
    """Create, edit or move a session (moving is changing its date and times)."""

    day = forms.DateField(label=_("Date"), widget=DATE_WIDGET, error_messages=DATE_ERRORS)
    start_time = forms.TimeField(label=_("Début"), widget=TIME_WIDGET, error_messages=TIME_ERRORS)
    end_time = forms.TimeField(label=_("Fin"), widget=TIME_WIDGET, error_messages=TIME_ERRORS)
    trainer = _PersonChoiceField(
        label=_("Formateur·rice"), queryset=User.objects.none(), required=False, empty_label=_("À désigner"),
        error_messages={"invalid_choice": _("Choisissez un·e formateur·rice dans la liste.")},
    )
    subject = forms.CharField(
        label=_("Sujet"), max_length=200, required=False, help_text=_("Par exemple : Bases de données — requêtes SQL."),
        error_messages={"max_length": _("Raccourcissez le sujet à 200 caractères au plus.")},
    )
    competence_block = forms.ModelChoiceField(
        label=_("Bloc de compétences"), queryset=CompetenceBlock.objects.none(), required=False, empty_label=_("Aucun"),
        error_messages={"invalid_choice": _("Choisissez un bloc de compétences de la formation dans la liste.")},
    )
    room = forms.CharField(
        label=_("Salle"), max_length=80, required=False,
        error_messages={"max_length": _("Raccourcissez le nom de la salle à 80 caractères au plus.")},
    )

    def __init__(self, *args, user: User, cohort: Cohort, session: TrainingSession | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trainer"].queryset = selectors.trainer_choices(user, current=session.trainer if session else None)
        self.fields["competence_block"].queryset = selectors.competence_block_choices(user, cohort)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_time"), cleaned.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", _("L'heure de fin doit suivre l'heure de début : par exemple de 09:00 à 12:30."))
        return cleaned


class GenerateForm(StyledForm):
    start = forms.DateField(label=_("Du"), widget=DATE_WIDGET, error_messages=DATE_ERRORS)
    end = forms.DateField(label=_("Au (inclus)"), widget=DATE_WIDGET, error_messages=DATE_ERRORS)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", _("La période se termine avant de commencer : choisissez une date de fin après le début."))
        return cleaned


class SplitForm(StyledForm):
    at = forms.TimeField(
        label=_("Heure de la coupure"), widget=TIME_WIDGET, error_messages=TIME_ERRORS,
        help_text=_("La première séance finit à cette heure, la seconde commence à cette heure."),
    )


class CancelForm(StyledForm):
    reason = forms.CharField(
        label=_("Motif de l'annulation"), max_length=200, help_text=_("Par exemple : formateur absent, salle indisponible."),
        error_messages={"required": _("Indiquez le motif de l'annulation, par exemple « formateur absent »."),
                        "max_length": _("Raccourcissez le motif à 200 caractères au plus.")},
    )
