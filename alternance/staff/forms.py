"""Forms of the staff accounts screens: they validate input only; the services write (and check
the address against every account, the role change against what the account holds)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from alternance.choices import STAFF_ROLES, Role
from alternance.models import User
from alternance.phones import normalize_phone_number

STAFF_ROLE_CHOICES = [(role.value, role.label) for role in Role if role in STAFF_ROLES]


class StaffMemberForm(forms.Form):
    first_name = forms.CharField(
        label=_("Prénom"), max_length=150, error_messages={"required": _("Indiquez le prénom de la personne.")},
    )
    last_name = forms.CharField(
        label=_("Nom"), max_length=150, error_messages={"required": _("Indiquez le nom de la personne.")},
    )
    email = forms.EmailField(
        label=_("Adresse e-mail"), max_length=254,
        help_text=_("La personne s'en sert pour se connecter ; elle y reçoit le lien pour choisir son mot de passe."),
        error_messages={
            "required": _("Indiquez l'adresse e-mail de la personne : elle y reçoit le lien pour choisir son mot de passe."),
            "invalid": _("Saisissez une adresse e-mail complète, par exemple prenom.nom@cfa.fr."),
        },
    )
    phone = forms.CharField(label=_("Téléphone"), max_length=20, required=False)
    role = forms.ChoiceField(
        label=_("Rôle"), choices=[("", _("Choisir un rôle…")), *STAFF_ROLE_CHOICES],
        error_messages={
            "required": _("Choisissez le rôle de la personne dans l'équipe."),
            "invalid_choice": _("Choisissez un rôle de l'équipe dans la liste."),
        },
    )

    def clean_phone(self):
        # The numbering plans, as the Tableau de bord checks them (issue 15 §12).
        return normalize_phone_number(self.cleaned_data.get("phone"))

    @classmethod
    def initial_of(cls, member: User) -> dict:
        return {name: getattr(member, name) for name in ("first_name", "last_name", "email", "phone", "role")}


class _UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.get_full_name() or obj.email} — {obj.get_role_display()}"


class _ReassignForm(forms.Form):
    """Rows held by an account (checked by default) and the active account that takes them over."""

    rows_field = ""
    target_field = ""

    def __init__(self, *args, rows, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[self.rows_field].queryset = rows
        self.fields[self.target_field].queryset = targets
        self.fields[self.target_field].widget.attrs["class"] = "form-select"
        if not self.is_bound:
            self.initial[self.rows_field] = [row.pk for row in rows]


class CompaniesReassignForm(_ReassignForm):
    rows_field, target_field = "companies", "to_cre"
    companies = forms.ModelMultipleChoiceField(
        label=_("Entreprises"), queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Cochez au moins une entreprise à réaffecter."),
            "invalid_choice": _("Une entreprise cochée n'est plus dans ce portefeuille : rechargez la page."),
        },
    )
    to_cre = _UserChoiceField(
        label=_("Nouveau ou nouvelle CRE"), queryset=User.objects.none(), empty_label=_("Choisir un·e CRE…"),
        error_messages={
            "required": _("Choisissez le ou la CRE qui reprend ces entreprises."),
            "invalid_choice": _("Ce compte ne peut pas reprendre de portefeuille : choisissez un·e CRE actif·ve dans la liste."),
        },
    )


class AlertsReassignForm(_ReassignForm):
    rows_field, target_field = "alerts", "assignee"
    alerts = forms.ModelMultipleChoiceField(
        label=_("Alertes"), queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Cochez au moins une alerte à réaffecter."),
            "invalid_choice": _("Une alerte cochée n'est plus ouverte ou plus attribuée à ce compte : rechargez la page."),
        },
    )
    assignee = _UserChoiceField(
        label=_("Attribuer à"), queryset=User.objects.none(), empty_label=_("Choisir une personne…"),
        error_messages={
            "required": _("Choisissez la personne qui reprend ces alertes."),
            "invalid_choice": _("Cette personne ne peut pas recevoir d'alerte : choisissez-en une dans la liste."),
        },
    )


class CohortsReassignForm(_ReassignForm):
    rows_field, target_field = "cohorts", "to_tutor"
    cohorts = forms.ModelMultipleChoiceField(
        label=_("Promotions"), queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Cochez au moins une promotion à réaffecter."),
            "invalid_choice": _("Une promotion cochée n'est plus suivie par ce compte : rechargez la page."),
        },
    )
    to_tutor = _UserChoiceField(
        label=_("Nouveau ou nouvelle référent·e"), queryset=User.objects.none(), empty_label=_("Choisir un·e formateur·rice…"),
        error_messages={
            "required": _("Choisissez le formateur ou la formatrice qui devient référent·e de ces promotions."),
            "invalid_choice": _("Ce compte ne peut pas être référent·e : choisissez un·e formateur·rice actif·ve dans la liste."),
        },
    )
