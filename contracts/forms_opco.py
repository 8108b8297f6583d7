"""Forms of the OPCO follow-up (contract page): they validate input only, the services in
``contracts.opco`` apply the business rules. Messages in French, saying how to fix the input."""

from django import forms
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from contracts.models import OpcoInstalment


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs={"class": "form-control form-control-sm", **(attrs or {})}, format="%Y-%m-%d")


def _text(**attrs) -> forms.TextInput:
    return forms.TextInput(attrs={"class": "form-control form-control-sm", **attrs})


DATE_ERRORS = {"invalid": _("Saisissez une date valide, par exemple 15/09/2026.")}
AMOUNT_ERRORS = {
    "invalid": _("Saisissez un montant en euros, par exemple 8000,00."),
    "max_decimal_places": _("Un montant a au plus 2 décimales (les centimes)."),
    "max_digits": _("Ce montant est trop grand."),
}


class OpcoForm(forms.Form):
    """Marks the fields in error (Bootstrap ``is-invalid``, ``aria-invalid``), also for the
    errors that the services add after validation."""

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                if "is-invalid" not in attrs.get("class", ""):
                    attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
                attrs["aria-invalid"] = "true"
                # aria-describedby comes from Django (``<id>_error``, ``<id>_helptext``: ids the field template gives).


class OpcoFileForm(OpcoForm):
    complete_file_date = forms.DateField(
        label=_("Dossier complet reçu le"), required=False, widget=DateInput(), error_messages=DATE_ERRORS,
        help_text=_("Le délai de décision de l'OPCO court à partir de cette date."),
    )
    npec_amount = forms.DecimalField(
        label=_("NPEC annuel (€)"), required=False, min_value=0, max_digits=9, decimal_places=2, localize=True,
        widget=_text(inputmode="decimal"),
        error_messages={**AMOUNT_ERRORS, "min_value": _("Le montant NPEC doit être positif.")},
    )
    deposit_number = forms.CharField(label=_("Numéro de dépôt"), required=False, max_length=15, widget=_text(),
                                     error_messages={"max_length": _("Le numéro de dépôt a au plus 15 caractères.")})
    amendment_number = forms.CharField(label=_("Numéro d'avenant"), required=False, max_length=20, widget=_text(),
                                       error_messages={"max_length": _("Le numéro d'avenant a au plus 20 caractères.")})
    deposit_organisation_name = forms.CharField(
        label=_("Organisme en charge du dépôt"), required=False, max_length=200, widget=_text(),
        help_text=_("Cadre du Cerfa réservé à cet organisme ; vide : l'OPCO du dossier."),
        error_messages={"max_length": _("Le nom de l'organisme a au plus 200 caractères.")},
    )
    deposit_organisation_siret = forms.CharField(
        label=_("SIRET de l'organisme en charge du dépôt"), required=False, max_length=20, widget=_text(inputmode="numeric"),
        error_messages={"max_length": _("Un SIRET a 14 chiffres.")},
    )


class InvoiceForm(OpcoForm):
    invoice_number = forms.CharField(
        label=_("N° de facture"), max_length=40, widget=_text(),
        error_messages={"required": _("Indiquez le numéro de la facture."), "max_length": _("Au plus 40 caractères.")},
    )
    invoiced_date = forms.DateField(
        label=_("Facturé le"), widget=DateInput(), error_messages={**DATE_ERRORS, "required": _("Indiquez la date de la facture.")}
    )


class PaymentForm(OpcoForm):
    paid_date = forms.DateField(
        label=_("Payé le"), widget=DateInput(), error_messages={**DATE_ERRORS, "required": _("Indiquez la date du paiement.")}
    )
    paid_amount = forms.DecimalField(
        label=_("Montant reçu (€)"), required=False, min_value=0, max_digits=9, decimal_places=2, localize=True,
        widget=_text(inputmode="decimal"), help_text=_("Laissez vide si l'OPCO a payé le montant prévu."),
        error_messages={**AMOUNT_ERRORS, "min_value": _("Le montant reçu doit être positif.")},
    )


class EmployerParticipationForm(OpcoForm):
    invoiced_date = forms.DateField(label=_("Facturée à l'employeur le"), required=False, widget=DateInput(), error_messages=DATE_ERRORS)
    paid_date = forms.DateField(label=_("Payée le"), required=False, widget=DateInput(), error_messages=DATE_ERRORS)


class InstalmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: OpcoInstalment) -> str:
        return _("%(kind)s, année %(year)s (%(amount)s €)") % {
            "kind": obj.get_kind_display(), "year": obj.contract_year, "amount": number_format(obj.amount, 2),
        }


class ReminderForm(OpcoForm):
    sent_on = forms.DateField(
        label=_("Relance envoyée le"), widget=DateInput(), error_messages={**DATE_ERRORS, "required": _("Indiquez la date de la relance.")}
    )
    subject = forms.CharField(
        label=_("Objet"), max_length=255, widget=_text(),
        error_messages={"required": _("Indiquez l'objet de la relance."), "max_length": _("Au plus 255 caractères.")},
    )
    instalment = InstalmentChoiceField(
        label=_("Versement concerné"), required=False, queryset=OpcoInstalment.objects.none(), empty_label=_("Le dossier"),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
        error_messages={"invalid_choice": _("Choisissez un versement de ce dossier.")},
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"class": "form-control form-control-sm", "rows": 2}))

    def __init__(self, *args, instalments=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The choices are the file's own instalments (the view passes them, read through the access policy).
        if instalments is not None:
            self.fields["instalment"].queryset = instalments
