"""Forms of the extranet: the employer's part of a visit's grid, the password of an invited person.
They validate input only; the services (``tutoring.evaluations.employer_evaluation_submit``,
``invitations.invitation_accept``) write and check again."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from alternance.models import VisitCriterion
from alternance.models.visits import GRID_SCALE_MIN
from alternance.tutoring.evaluations import COMMENT_MAX_LENGTH
from alternance.tutoring.forms import BootstrapMixin
from alternance.tutoring.services import GridAnswer


class EmployerEvaluationForm(BootstrapMixin, forms.Form):
    """One required score (radio buttons on the criterion's scale) and one optional comment per
    employer criterion, then a general comment. Fields ``score_<code>`` / ``comment_<code>``."""

    comment = forms.CharField(
        label=_("Commentaire général"), required=False, max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Ce que vous souhaitez dire au formateur ou à la formatrice : points forts, difficultés, besoins."),
        error_messages={"max_length": _("Le commentaire dépasse %(limit_value)d caractères : raccourcissez-le.")},
    )

    def __init__(self, *args, criteria: list[VisitCriterion], **kwargs):
        self.criteria = criteria
        super().__init__(*args, **kwargs)
        for criterion in criteria:
            scale = _("Choisissez une note de %(min)s à %(max)s pour « %(label)s ».") % {
                "min": GRID_SCALE_MIN, "max": criterion.scale_max, "label": criterion.label}
            self.fields[f"score_{criterion.code}"] = forms.TypedChoiceField(
                label=criterion.label,
                choices=[(n, str(n)) for n in range(GRID_SCALE_MIN, criterion.scale_max + 1)],
                coerce=int,
                empty_value=None,
                widget=forms.RadioSelect,
                help_text=criterion.help_text,
                error_messages={"required": scale, "invalid_choice": scale},
            )
            self.fields[f"comment_{criterion.code}"] = forms.CharField(
                label=_("Commentaire — %(label)s") % {"label": criterion.label},
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
                error_messages={"max_length": _("Ce commentaire dépasse %(limit_value)d caractères : raccourcissez-le.")},
            )
        # The general comment after the criteria.
        self.order_fields([name for name in self.fields if name != "comment"] + ["comment"])
        self.style_widgets()
        # Big tappable buttons on a phone (Bootstrap's toggle buttons) rather than small radio dots.
        for criterion in criteria:
            self.fields[f"score_{criterion.code}"].widget.attrs["class"] = "btn-check"

    @property
    def grid_rows(self) -> list[dict]:
        return [
            {"criterion": c, "score": self[f"score_{c.code}"], "comment": self[f"comment_{c.code}"]} for c in self.criteria
        ]

    def answers(self) -> dict[str, GridAnswer]:
        return {
            c.code: GridAnswer(score=self.cleaned_data.get(f"score_{c.code}"), comment=self.cleaned_data.get(f"comment_{c.code}", ""))
            for c in self.criteria
        }


class InvitationPasswordForm(forms.Form):
    """Input only: the password rules are applied by ``invitations.invitation_accept``."""

    password1 = forms.CharField(
        label=_("Mot de passe"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "autofocus": True}),
        help_text=_("Au moins 10 caractères, pas uniquement des chiffres, ni trop courant ni proche de votre nom ou e-mail."),
    )
    password2 = forms.CharField(
        label=_("Confirmation du mot de passe"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
