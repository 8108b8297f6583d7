"""Forms of the alerts screens: they validate input only; the lifecycle services do the writes."""

from django import forms
from django.utils.translation import gettext_lazy as _

from alerts import selectors
from alerts.models import Alert, RuleSettings
from alternance import access
from alternance.models import User


class AssigneeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.get_full_name() or obj.email} — {obj.get_role_display()}"


class ValidateForm(forms.Form):
    comment = forms.CharField(label=_("Commentaire (facultatif)"), required=False, max_length=2000)


class AssignForm(forms.Form):
    assignee = AssigneeChoiceField(
        label=_("Attribuer à"), queryset=User.objects.none(), empty_label=_("Choisir une personne…"),
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

    VALIDATE, ASSIGN = "validate", "assign"

    alerts = forms.ModelMultipleChoiceField(
        queryset=None, error_messages={
            "required": _("Cochez au moins une alerte dans la liste."),
            "invalid_choice": _("Une des alertes cochées n'existe plus ou n'est pas visible : rechargez la page."),
            "invalid_pk_value": _("Sélection invalide : rechargez la page."),
        },
    )
    action = forms.ChoiceField(
        label=_("Action"), choices=[(VALIDATE, _("Valider")), (ASSIGN, _("Attribuer à…"))],
        error_messages={"required": _("Choisissez une action."), "invalid_choice": _("Choisissez « Valider » ou « Attribuer à ».")},
    )
    assignee = AssigneeChoiceField(
        label=_("Personne"), queryset=User.objects.none(), required=False, empty_label=_("Choisir une personne…"),
        error_messages={"invalid_choice": _("Cette personne ne peut pas recevoir d'alerte : choisissez-en une dans la liste.")},
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["alerts"].queryset = access.visible(user, Alert)
        self.fields["assignee"].queryset = selectors.assignable_users(user)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == self.ASSIGN and not cleaned.get("assignee"):
            self.add_error("assignee", _("Choisissez la personne à qui attribuer les alertes cochées."))
        return cleaned


EDITABLE_FIELDS = tuple(f.name for f in RuleSettings._meta.concrete_fields if f.name not in ("id", "updated_at"))


class RuleSettingsForm(forms.ModelForm):
    class Meta:
        model = RuleSettings
        fields = EDITABLE_FIELDS
