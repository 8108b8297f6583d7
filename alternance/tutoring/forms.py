"""Forms of the tutors' workspace: plan a visit, fill the standard grid, the cohort register and
one apprentice's half-day. They validate input only; the services write."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from alternance.attendance.register import RegisterEntry
from alternance.choices import AttendanceStatus, HalfDay, VisitKind, VisitMode
from alternance.models import Apprentice, AttendanceRecord, Visit, VisitCriterion
from alternance.models.visits import GRID_SCALE_MIN
from alternance.tutoring.services import GridAnswer

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class BootstrapMixin:
    """Bootstrap classes on the widgets (set after the dynamic fields are added)."""

    def style_widgets(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect | forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = css


class VisitPlanForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Type de visite"), choices=VisitKind.choices)
    planned_date = forms.DateField(label=_("Date prévue"), widget=DATE_INPUT)
    mode = forms.ChoiceField(label=_("Modalité"), choices=VisitMode.choices, initial=VisitMode.ON_SITE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_widgets()


class VisitGridForm(BootstrapMixin, forms.Form):
    """One score (radio buttons on the criterion's scale) and one comment per active criterion,
    then the rest of the visit. Fields ``score_<code>`` / ``comment_<code>``."""

    done_date = forms.DateField(label=_("Date de réalisation"), widget=DATE_INPUT)
    mode = forms.ChoiceField(label=_("Modalité"), choices=VisitMode.choices)
    master_feedback = forms.CharField(
        label=_("Point de vue du maître d'apprentissage"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    actions_agreed = forms.CharField(label=_("Actions convenues"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    at_risk = forms.BooleanField(label=_("Je signale un risque de rupture"), required=False)
    risk_comment = forms.CharField(label=_("Motif du risque"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    report = forms.CharField(label=_("Compte rendu"), required=False, widget=forms.Textarea(attrs={"rows": 6}))

    def __init__(self, *args, criteria: list[VisitCriterion], visit: Visit, **kwargs):
        self.criteria = criteria
        answers = visit.grid_answers or {}
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("mode", visit.mode)
        for field in ("done_date", "master_feedback", "actions_agreed", "at_risk", "risk_comment", "report"):
            initial.setdefault(field, getattr(visit, field))
        super().__init__(*args, **kwargs)
        for criterion in criteria:
            answer = answers.get(criterion.code) or {}
            self.fields[f"score_{criterion.code}"] = forms.TypedChoiceField(
                label=criterion.label,
                choices=[(n, str(n)) for n in range(GRID_SCALE_MIN, criterion.scale_max + 1)],
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect,
                help_text=criterion.help_text,
                initial=answer.get("score"),
                error_messages={"invalid_choice": _("Choisissez une note de %(min)s à %(max)s.") % {
                    "min": GRID_SCALE_MIN, "max": criterion.scale_max}},
            )
            self.fields[f"comment_{criterion.code}"] = forms.CharField(
                label=_("Commentaire — %(label)s") % {"label": criterion.label},
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=answer.get("comment", ""),
            )
        self.style_widgets()

    @property
    def grid_rows(self) -> list[dict]:
        return [
            {"criterion": c, "score": self[f"score_{c.code}"], "comment": self[f"comment_{c.code}"]} for c in self.criteria
        ]

    def clean(self):
        data = super().clean()
        if data.get("at_risk") and not (data.get("risk_comment") or "").strip():
            self.add_error("risk_comment", _("Expliquez en quelques mots le risque de rupture signalé."))
        return data

    def answers(self) -> dict[str, GridAnswer]:
        return {
            c.code: GridAnswer(score=self.cleaned_data.get(f"score_{c.code}"), comment=self.cleaned_data.get(f"comment_{c.code}", ""))
            for c in self.criteria
        }


class RegisterSessionForm(BootstrapMixin, forms.Form):
    """Which session of the register: the day and the half-day."""

    day = forms.DateField(label=_("Jour"), widget=DATE_INPUT)
    half = forms.ChoiceField(label=_("Demi-journée"), choices=HalfDay.choices)

    def __init__(self, *args, today: date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_day(self):
        day = self.cleaned_data["day"]
        if self.today and day > self.today:
            raise forms.ValidationError(_("On ne remplit pas le registre d'un jour à venir : choisissez aujourd'hui ou un jour passé."))
        return day


class RegisterForm(RegisterSessionForm):
    """The register of one session: for each apprentice present, absent or late (+ minutes).
    Fields ``status_<apprentice pk>`` and ``minutes_<apprentice pk>``. Nothing is preset: an
    apprentice is "not taken yet" until the trainer marks it (or its half-day was saved before);
    the button ``others_present`` marks every apprentice left unmarked as present."""

    OTHERS_PRESENT = "others_present"

    def __init__(self, *args, apprentices: list[Apprentice], existing: dict[int, AttendanceRecord], **kwargs):
        self.apprentices = apprentices
        self.existing = existing
        super().__init__(*args, **kwargs)
        for apprentice in apprentices:
            record = existing.get(apprentice.pk)
            self.fields[f"status_{apprentice.pk}"] = forms.ChoiceField(
                label=apprentice.full_name,
                choices=AttendanceStatus.choices,
                initial=record.status if record else None,
                required=False,
                widget=forms.RadioSelect,
            )
            self.fields[f"minutes_{apprentice.pk}"] = forms.IntegerField(
                label=_("Minutes de retard — %(name)s") % {"name": apprentice.full_name},
                required=False,
                min_value=0,
                max_value=600,
                initial=record.minutes_late if record and record.minutes_late else None,
            )
        self.style_widgets()

    @property
    def rows(self) -> list[dict]:
        return [
            {
                "apprentice": a,
                "record": self.existing.get(a.pk),
                "status": self[f"status_{a.pk}"],
                "minutes": self[f"minutes_{a.pk}"],
            }
            for a in self.apprentices
        ]

    @property
    def others_present(self) -> bool:
        return self.OTHERS_PRESENT in self.data

    def clean(self):
        data = super().clean()
        for apprentice in self.apprentices:
            status, minutes = data.get(f"status_{apprentice.pk}"), data.get(f"minutes_{apprentice.pk}") or 0
            if status == AttendanceStatus.LATE and minutes <= 0:
                self.add_error(f"minutes_{apprentice.pk}", _("%(name)s : indiquez le nombre de minutes de retard.") % {
                    "name": apprentice.full_name})
        if self.apprentices and not self.others_present and not any(data.get(f"status_{a.pk}") for a in self.apprentices):
            raise forms.ValidationError(_(
                "Aucun·e apprenti·e n'est marqué·e : indiquez qui est présent, absent ou en retard, "
                "ou utilisez « Tous les autres présents »."
            ))
        return data

    def entries(self) -> list[RegisterEntry]:
        """One entry per apprentice marked (every apprentice with « Tous les autres présents »);
        an apprentice left unmarked is not taken, so nothing is written for it."""
        entries = []
        for a in self.apprentices:
            status = self.cleaned_data.get(f"status_{a.pk}") or (AttendanceStatus.PRESENT if self.others_present else "")
            if not status:
                continue
            minutes = (self.cleaned_data.get(f"minutes_{a.pk}") or 0) if status == AttendanceStatus.LATE else 0
            entries.append(RegisterEntry(apprentice_id=a.pk, status=status, minutes_late=minutes))
        return entries


class AttendanceRecordForm(BootstrapMixin, forms.Form):
    day = forms.DateField(label=_("Jour"), widget=DATE_INPUT)
    half = forms.ChoiceField(label=_("Demi-journée"), choices=HalfDay.choices)
    status = forms.ChoiceField(label=_("Présence"), choices=AttendanceStatus.choices, widget=forms.RadioSelect)
    minutes_late = forms.IntegerField(label=_("Minutes de retard"), required=False, min_value=0, max_value=600)
    reason = forms.CharField(label=_("Motif"), required=False, max_length=255)

    def __init__(self, *args, today: date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.style_widgets()

    def clean(self):
        data = super().clean()
        if data.get("status") == AttendanceStatus.LATE and not data.get("minutes_late"):
            self.add_error("minutes_late", _("Indiquez le nombre de minutes de retard."))
        if data.get("status") != AttendanceStatus.LATE:
            data["minutes_late"] = 0
        if self.today and data.get("day") and data["day"] > self.today:
            self.add_error("day", _("On ne relève pas la présence d'un jour à venir."))
        return data
