"""Forms of the alerts screens: they validate input only; the lifecycle services do the writes."""

from django import forms
from django.utils.translation import gettext_lazy as _

from alerts import selectors
from alerts.models import Alert, RuleSettings
from alternance import access
from alternance.models import Cohort, User
from alternance.search.fields import SearchableModelChoiceField, SearchableSelect


def _assignee_field(**kwargs) -> SearchableModelChoiceField:
    """Who receives an alert: hundreds of staff accounts in a large CFA, so a searchable field
    (« DURAND Léa — CRE — lea.durand@… », issue 13 §3) over ``selectors.assignable_users``."""
    return SearchableModelChoiceField(
        source="personnes", queryset=User.objects.none(),
        widget=SearchableSelect(source="personnes", attrs={"class": "form-control form-control-sm"}), **kwargs,
    )


class ValidateForm(forms.Form):
    comment = forms.CharField(label=_("Commentaire (facultatif)"), required=False, max_length=2000)


class AssignForm(forms.Form):
    assignee = _assignee_field(
        label=_("Attribuer à"),
        error_messages={
            "required": _("Choisissez la personne à qui attribuer l'alerte."),
            "invalid_choice": _("Cette personne ne peut pas recevoir d'alerte : choisissez-en une dans la liste."),
        },
    )
    comment = forms.CharField(label=_("Commentaire (facultatif)"), required=False, max_length=2000)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        # The choices come from the access policy: only staff accounts the user may see.
        self.fields["assignee"].queryset = selectors.assignable_users(user)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Indiquez en quelques mots ce qui a été fait ou pourquoi l'alerte est écartée.")},
    )


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=_("Commentaire"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Écrivez un commentaire avant de l'enregistrer.")},
    )


class BulkActionForm(forms.Form):
    """Bulk validate or assign on the register: the selected alerts must be in the user's scope."""

    VALIDATE, ASSIGN, ASSIGN_SUGGESTED = "validate", "assign", "assign_suggested"

    alerts = forms.ModelMultipleChoiceField(
        queryset=None, required=False, error_messages={
            "required": _("Cochez au moins une alerte dans la liste."),
            "invalid_choice": _("Une des alertes cochées n'existe plus ou n'est pas visible : rechargez la page."),
            "invalid_pk_value": _("Sélection invalide : rechargez la page."),
        },
    )
    action = forms.ChoiceField(
        label=_("Action"),
        choices=[(VALIDATE, _("Valider")), (ASSIGN, _("Attribuer à…")), (ASSIGN_SUGGESTED, _("Attribuer à la personne suggérée pour chacune"))],
        error_messages={"required": _("Choisissez une action."),
                        "invalid_choice": _("Choisissez « Valider », « Attribuer à » ou « Attribuer à la personne suggérée ».")},
    )
    # "Sélectionner les N alertes du filtre": the action applies to the register's filter,
    # re-evaluated on the server from ``filter_query`` (the register's query string), never to ids.
    whole_filter = forms.BooleanField(required=False)
    filter_query = forms.CharField(required=False, max_length=4000)
    assignee = _assignee_field(
        label=_("Personne (pour « Attribuer à »)"), required=False,
        error_messages={"invalid_choice": _("Cette personne ne peut pas recevoir d'alerte : choisissez-en une dans la liste.")},
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["alerts"].queryset = access.visible(user, Alert)
        self.fields["assignee"].queryset = selectors.assignable_users(user)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("whole_filter") and not cleaned.get("alerts") and "alerts" not in self.errors:
            self.add_error("alerts", _("Cochez au moins une alerte dans la liste."))
        if cleaned.get("action") == self.ASSIGN and not cleaned.get("assignee"):
            self.add_error("assignee", _("Choisissez la personne à qui attribuer les alertes cochées."))
        return cleaned


class RegisterFilterForm(forms.Form):
    """The register's cohort and assignee filters (GET): hundreds of cohorts and staff accounts in a
    large CFA, so searchable fields; « non attribuées » is a box of its own. An invalid or ambiguous
    typed value filters nothing and says so under the field."""

    cohort = SearchableModelChoiceField(
        source="promotions", queryset=Cohort.objects.none(), required=False, label=_("Promotion"),
        widget=SearchableSelect(source="promotions", attrs={"class": "form-control"}),
    )
    assignee = SearchableModelChoiceField(
        source="personnes", queryset=User.objects.none(), required=False, label=_("Attribuée à"),
        widget=SearchableSelect(source="personnes", attrs={"class": "form-control"}),
    )
    unassigned = forms.BooleanField(label=_("Non attribuées seulement"), required=False)

    def __init__(self, data, *, user: User):
        data = data.copy()
        if data.get("assignee") == selectors.UNASSIGNED:  # links written before the box existed
            data["assignee"], data["unassigned"] = "", "on"
        super().__init__(data)
        self.fields["cohort"].queryset = selectors.cohort_choices(user).select_related("programme")
        self.fields["assignee"].queryset = selectors.assignable_users(user)

    def selector_filters(self) -> dict:
        """``cohort`` and ``assignee`` as ``selectors.alert_list`` takes them."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        cohort = data.get("cohort")
        if data.get("unassigned"):
            assignee = selectors.UNASSIGNED
        else:
            assignee = str(data["assignee"].pk) if data.get("assignee") else ""
        return {"cohort": cohort.pk if cohort else None, "assignee": assignee}


EDITABLE_FIELDS = tuple(f.name for f in RuleSettings._meta.concrete_fields if f.name not in ("id", "updated_at"))


class RuleSettingsForm(forms.ModelForm):
    class Meta:
        model = RuleSettings
        fields = EDITABLE_FIELDS
