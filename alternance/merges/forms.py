"""The merge confirmation: the value to keep where both records differ, and the confirmation box."""

from django import forms
from django.utils.translation import gettext_lazy as _

from alternance.merges.services import KEPT, MERGED, MergePlan

PREFIX = "choix_"


class MergeForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Je confirme la fusion : la fiche en double sera supprimée et tout ce qui s'y rattache passera sur la fiche conservée."),
        error_messages={"required": _("Cochez la confirmation pour fusionner les deux fiches.")},
    )

    def __init__(self, *args, plan: MergePlan, **kwargs):
        super().__init__(*args, **kwargs)
        conflicts = {}
        for row in plan.fields:
            if row.state == "conflict":
                conflicts[PREFIX + row.group.key] = forms.ChoiceField(
                    # Not answered: the kept record's value (the radio is pre-checked on the page).
                    label=row.group.label, widget=forms.RadioSelect, initial=KEPT, required=False,
                    choices=[(KEPT, _("%(value)s (fiche conservée)") % {"value": row.kept}),
                             (MERGED, _("%(value)s (fiche en double)") % {"value": row.merged})],
                )
        # The choices first, the confirmation last.
        self.fields = {**conflicts, "confirm": self.fields["confirm"]}

    def choices(self) -> dict[str, str]:
        return {name[len(PREFIX):]: value or KEPT for name, value in self.cleaned_data.items() if name.startswith(PREFIX)}
