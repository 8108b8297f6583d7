"""Forms of the catalogue: they validate input only (the services normalise, check the identifiers
and the cross-record rules with ``full_clean``). Their choices come from the selectors: an archived
programme, site or cohort is not offered for a new record, but stays on the record that has it."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from alternance.catalogue import selectors
from alternance.models import Cohort, CompetenceBlock, Programme, Site, User


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


SESSION_TIME_FIELDS = ("session_morning_start", "session_morning_end", "session_afternoon_start", "session_afternoon_end")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class _ServiceValidatedForm(forms.ModelForm):
    """A model form whose instance is built and validated by the service, not by the form."""

    def _post_clean(self):
        pass

    def data_for_service(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


REQUIRED = _("Renseignez ce champ.")


def _required(message: str) -> dict:
    return {"required": message}


class ProgrammeForm(_ServiceValidatedForm):
    # Wider than the stored codes: « RNCP 35 341 » or « 320 312 13 » are accepted, the model normalises them.
    rncp_code = forms.CharField(
        label=_("Code RNCP"), max_length=20, required=False,
        help_text=_("« RNCP » suivi de 3 à 5 chiffres, par exemple RNCP35341 (les chiffres seuls suffisent). "
                    "Facultatif pour un CQP ou une qualification de branche."),
    )
    cfd_code = forms.CharField(
        label=_("Code diplôme (CFD)"), max_length=20, required=False,
        help_text=_("8 caractères, par exemple 32031213. Facultatif pour un titre professionnel."),
    )

    class Meta:
        model = Programme
        fields = ("title", "short_title", "certification_kind", "rncp_code", "cfd_code", "diploma_code", "level", "duration_months", "training_hours",
                  "admissions_open")
        help_texts = {
            "short_title": _("Affiché dans les listes, par exemple BTS SIO."),
            "diploma_code": _("Le type de diplôme tel que le Cerfa le code."),
            "duration_months": _("De 6 à 48 mois."),
            "admissions_open": _("Ouvre la page publique de candidature de cette formation."),
        }
        error_messages = {
            "title": _required(_("Indiquez l'intitulé exact de la certification, tel qu'au RNCP.")),
            "diploma_code": _required(_("Choisissez le type de diplôme (Cerfa).")),
            "level": _required(_("Choisissez le niveau de qualification.")),
            "duration_months": {**_required(_("Indiquez la durée de la formation en mois (de 6 à 48).")),
                                "invalid": _("Saisissez un nombre entier de mois, par exemple 24.")},
            "training_hours": {**_required(_("Indiquez le nombre d'heures de formation au centre, par exemple 1350.")),
                               "invalid": _("Saisissez un nombre entier d'heures, par exemple 1350.")},
        }


class CompetenceBlockForm(_ServiceValidatedForm):
    code = forms.CharField(
        label=_("Code du bloc"), max_length=20,
        error_messages=_required(_("Indiquez le code du bloc, par exemple RNCP35341BC01.")),
    )

    class Meta:
        model = CompetenceBlock
        fields = ("code", "title", "order")
        error_messages = {
            "title": _required(_("Indiquez l'intitulé du bloc de compétences.")),
            "order": {"invalid": _("Saisissez un numéro d'ordre entier, par exemple 1.")},
        }

    def __init__(self, *args, programme: Programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["order"].required = False
        self.fields["order"].help_text = _("Laissez vide pour le placer en dernier.")
        self.fields["code"].widget.attrs["placeholder"] = f"{programme.rncp_code}BC01"


class SiteForm(_ServiceValidatedForm):
    uai = forms.CharField(
        label=_("Code UAI"), max_length=12,
        help_text=_("7 chiffres et une lettre de contrôle, par exemple 0751234J (répertoire des établissements)."),
        error_messages=_required(_("Indiquez le code UAI du site, par exemple 0751234J.")),
    )
    siret = forms.CharField(
        label=_("SIRET"), max_length=20, help_text=_("14 chiffres, par exemple 732 829 320 00074."),
        error_messages=_required(_("Indiquez le SIRET de l'établissement, 14 chiffres.")),
    )

    class Meta:
        model = Site
        fields = ("name", "uai", "siret", "address", "postal_code", "city")
        error_messages = {
            "name": _required(_("Indiquez le nom du site, par exemple « Campus Lyon Gerland ».")),
            "address": _required(_("Indiquez l'adresse du site (numéro et voie).")),
            "postal_code": _required(_("Indiquez le code postal, 5 chiffres.")),
            "city": _required(_("Indiquez la commune du site.")),
        }


class _TutorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.email


class CohortForm(_ServiceValidatedForm):
    class Meta:
        model = Cohort
        fields = ("programme", "site", "name", "start_date", "end_date", "exams_end_date", "rhythm_label", "rhythm_pattern",
                  "referent_tutor", "capacity", *SESSION_TIME_FIELDS)
        field_classes = {"referent_tutor": _TutorChoiceField}
        widgets = {"start_date": DateInput(), "end_date": DateInput(), "exams_end_date": DateInput(),
                   **{name: TimeInput() for name in SESSION_TIME_FIELDS}}
        help_texts = {
            "name": _("Par exemple « BTS SIO 2026–2028 groupe 1 »."),
            "site": _("Le lieu principal de la formation (il figure sur le Cerfa). Vide : le centre lui-même."),
            "capacity": _("Nombre de places. Vide : pas de limite."),
        }
        error_messages = {
            "programme": _required(_("Choisissez la formation suivie par la promotion.")),
            "name": _required(_("Donnez un nom à la promotion, par exemple « BTS SIO 2026–2028 ».")),
            "start_date": {**_required(_("Indiquez la date de début (jj/mm/aaaa).")), "invalid": _("Saisissez la date au format jj/mm/aaaa.")},
            "end_date": {**_required(_("Indiquez la date de fin (jj/mm/aaaa).")), "invalid": _("Saisissez la date au format jj/mm/aaaa.")},
            "exams_end_date": {"invalid": _("Saisissez la date au format jj/mm/aaaa.")},
            "rhythm_label": _required(_("Décrivez le rythme, par exemple « 2 jours CFA / 3 jours entreprise ».")),
            "rhythm_pattern": _required(_("Indiquez le motif du rythme, par exemple CCEEE.")),
            "referent_tutor": _required(_("Choisissez le formateur ou la formatrice référent·e de la promotion.")),
            "capacity": {"invalid": _("Saisissez un nombre de places entier, par exemple 20."),
                         "min_value": _("La capacité est un nombre de places d'au moins 1 ; laissez le champ vide s'il n'y a pas de limite.")},
        }

    def __init__(self, *args, user: User, cohort: Cohort | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        programmes = selectors.programmes_for_new_records(user)
        sites = selectors.sites_for_new_records(user)
        tutors = selectors.referent_tutor_choices(user)
        if cohort is not None:
            # An archived programme or site, an inactive tutor: still offered to the cohort that has it.
            programmes = programmes | Programme.objects.filter(pk=cohort.programme_id)
            sites = sites | Site.objects.filter(pk=cohort.site_id)
            tutors = tutors | User.objects.filter(pk=cohort.referent_tutor_id)
        self.fields["programme"].queryset = programmes.distinct().order_by("title")
        self.fields["site"].queryset = sites.distinct().order_by("name")
        self.fields["site"].empty_label = _("Le centre lui-même (aucun site)")
        self.fields["programme"].empty_label = _("Choisir une formation…")
        self.fields["referent_tutor"].empty_label = _("Choisir un·e formateur·rice…")
        self.fields["referent_tutor"].queryset = tutors.distinct().order_by("last_name", "first_name", "pk")
        self.fields["programme"].error_messages["invalid_choice"] = _("Cette formation n'est plus proposée : choisissez-en une dans la liste.")
        self.fields["site"].error_messages["invalid_choice"] = _("Ce site n'est plus proposé : choisissez-en un dans la liste.")
        self.fields["referent_tutor"].error_messages["invalid_choice"] = _(
            "Ce compte ne peut pas être référent·e : choisissez un·e formateur·rice actif·ve dans la liste.")
        self.fields["capacity"].widget.attrs["min"] = 1
        for name in SESSION_TIME_FIELDS:
            # Left empty, the time already set (or the default, 09:00–12:30 and 13:30–17:00) stays.
            self.fields[name].required = False
            self.fields[name].error_messages["invalid"] = _("Saisissez une heure valide, par exemple 09:00.")

    def data_for_service(self) -> dict:
        data = super().data_for_service()
        return {name: value for name, value in data.items() if name not in SESSION_TIME_FIELDS or value is not None}

