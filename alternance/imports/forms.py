"""Forms of the import pages (issue 7, part 1): input validation only — the upload's size and type
(from its name and first bytes: the file itself is read by the analysis task, never in the request,
issue 17 §3), the mapping of columns to fields, the explicit choice to import only the valid rows.
Writes go through ``alternance.imports.services``."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alternance.choices import ImportKind
from alternance.imports.mapping import clean_mapping
from alternance.imports.readers import ImportFileError, file_format
from alternance.imports.services import MAX_UPLOAD_BYTES

ACCEPTED_EXTENSIONS = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm")


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Données à importer"), choices=ImportKind.choices, widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choisissez ce que contient le fichier : apprenti·es, entreprises ou contrats.")},
    )
    file = forms.FileField(
        label=gettext_lazy("Fichier CSV ou XLSX"),
        help_text=gettext_lazy("10 Mo au plus. La première ligne porte les intitulés des colonnes."),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ACCEPTED_EXTENSIONS)}),
        error_messages={"required": gettext_lazy("Choisissez le fichier à importer."),
                        "empty": gettext_lazy("Le fichier est vide : vérifiez que vous avez choisi le bon fichier.")},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError(_(
                "Le fichier pèse %(size)s, au-delà de la limite de %(limit)s : découpez-le en plusieurs fichiers "
                "(l'en-tête répété en première ligne de chacun)."
            ) % {"size": filesizeformat(upload.size), "limit": filesizeformat(MAX_UPLOAD_BYTES)})
        if not upload.name.lower().endswith(ACCEPTED_EXTENSIONS):
            if upload.name.lower().endswith((".xls", ".ods")):
                raise ValidationError(_(
                    "Ce format n'est pas lu (ancien Excel .xls, LibreOffice .ods) : dans votre tableur, faites « Enregistrer "
                    "sous » et choisissez « Classeur Excel (.xlsx) » ou « CSV »."
                ))
            raise ValidationError(_("Déposez un fichier .csv ou .xlsx."))
        content = upload.read()
        try:
            file_format(upload.name, content[:4096])
        except ImportFileError as error:
            raise ValidationError(str(error)) from None
        if not content.strip():
            raise ValidationError(_("Le fichier est vide : vérifiez que vous avez choisi le bon fichier."))
        self.content = content
        return upload


class MappingForm(forms.Form):
    """One select per field of the kind, listing the file's columns; suggestions as initial values."""

    def __init__(self, *args, kind_class, headers: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.kind_class = kind_class
        self.headers = headers
        choices = [("", _("— ne pas importer —")), *((header, header) for header in headers)]
        for spec in kind_class.fields:
            label = f"{spec.label} *" if spec.required else str(spec.label)
            self.fields[spec.name] = forms.ChoiceField(
                label=label, choices=choices, required=False, help_text=spec.help,
                error_messages={"invalid_choice": _("Choisissez une colonne du fichier dans la liste.")},
            )

    def mapping(self) -> dict[str, str]:
        return {spec.name: self.cleaned_data.get(spec.name, "") for spec in self.kind_class.fields}

    def clean(self):
        cleaned = super().clean()
        try:
            self.cleaned_mapping = clean_mapping(self.mapping(), headers=self.headers, kind=self.kind_class)
        except ValidationError as error:
            for message in error.messages:
                self.add_error(None, message)
        return cleaned


class RunForm(forms.Form):
    only_valid_rows = forms.BooleanField(
        label=gettext_lazy("Importer seulement les lignes valides"), required=False,
        help_text=gettext_lazy("Les lignes en erreur ne seront pas importées ; elles restent dans le rapport d'erreurs à "
                               "télécharger, à corriger et à importer ensuite."),
    )
