"""Read API (issue 7, part 5): apprentices, companies, contracts, absences and alerts as paginated
JSON for the organisation's other tools, plus its OpenAPI description.

Every endpoint authenticates with an API key only (``ApiTokenAuthentication``: no session, no
login page — the views opt out of ``LoginRequiredMiddleware``), is reserved to the OF's staff
(``access.can_use_api``) and reads through ``access.visible``: a row outside the key owner's scope
is absent from the lists and answers 404 by id, exactly like the pages.
"""

from django.contrib.auth.decorators import login_not_required
from django.db.models import QuerySet
from django.http import Http404
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.renderers import (
    OpenApiJsonRenderer,
    OpenApiJsonRenderer2,
    OpenApiYamlRenderer,
    OpenApiYamlRenderer2,
)
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularAPIView
from rest_framework import exceptions, routers, serializers, viewsets
from rest_framework.renderers import JSONRenderer

from alerts.models import Alert
from alternance import access
from alternance.api import filters
from alternance.api import schema as _schema_extensions  # noqa: F401  (registers the Bearer scheme)
from alternance.api.authentication import MISSING_MESSAGE, ApiTokenAuthentication
from alternance.api.filters import ABSENCE_STATUSES
from alternance.api.pagination import ApiPagination
from alternance.api.permissions import CanUseApi
from alternance.api.serializers import (
    AbsenceSerializer,
    AlertSerializer,
    ApprenticeSerializer,
    CompanySerializer,
    ContractSerializer,
)
from alternance.models import Apprentice, AttendanceRecord
from companies.models import Company
from contracts.models import Contract

# Query parameters every list understands besides its filters.
COMMON_PARAMETERS = ("page", "page_size", "format")


class ErrorSerializer(serializers.Serializer):
    """Shape of every error answer."""

    detail = serializers.CharField(help_text=_("Message en français qui dit quoi corriger."))


# A 400 names each wrong parameter with its messages: {"status": ["« x » n'est pas un choix valide."]}.
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
    "example": {"updated_since": ["Date invalide : écrivez une date ou une date-heure ISO 8601, par exemple 2026-09-01."]},
}


ERRORS = {
    401: OpenApiResponse(ErrorSerializer, description=_("Clé absente, inconnue ou révoquée, ou compte désactivé.")),
    403: OpenApiResponse(ErrorSerializer, description=_("Clé d'un compte de l'extranet (apprenti·e, entreprise).")),
}


class TokenOnlyAPIMixin:
    """API key only (no session), staff only, JSON only; outside the login-required middleware."""

    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [CanUseApi]
    renderer_classes = [JSONRenderer]

    @classmethod
    def as_view(cls, *args, **kwargs):
        # The key is the credential: an API client must get 401 in JSON, not a redirect to the login page.
        return login_not_required(super().as_view(*args, **kwargs))

    def permission_denied(self, request, message=None, code=None):
        if request.authenticators and not request.successful_authenticator:
            raise exceptions.NotAuthenticated(MISSING_MESSAGE)
        super().permission_denied(request, message=message, code=code)


class ResourceViewSet(TokenOnlyAPIMixin, viewsets.ReadOnlyModelViewSet):
    """List (paginated, filtered, ordered by id so pages are stable) and retrieve by id."""

    pagination_class = ApiPagination
    filter_class: type[filters.ResourceFilter]
    not_found_message = _("Introuvable : aucun enregistrement de votre périmètre n'a cet identifiant.")

    def base_queryset(self) -> QuerySet:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet:
        qs = access.visible(self.request.user, self.base_queryset()).order_by("pk")
        if self.action == "list":
            qs = self.filter_list(qs)
        return qs

    def filter_list(self, qs: QuerySet) -> QuerySet:
        params = self.request.query_params
        known = set(self.filter_class().fields) | set(COMMON_PARAMETERS)
        unknown = sorted(set(params) - known)
        if unknown:
            raise exceptions.ValidationError({name: [_(
                "Paramètre inconnu. Paramètres possibles : %(names)s."
            ) % {"names": ", ".join(sorted(known))}] for name in unknown})
        for name in params:
            if len(params.getlist(name)) > 1:
                raise exceptions.ValidationError({name: [_("Donnez ce paramètre une seule fois.")]})
        filter_params = self.filter_class(data=params.dict())
        filter_params.is_valid(raise_exception=True)
        return filter_params.apply(qs)

    def get_object(self):
        try:
            return super().get_object()
        except Http404:
            # Django's message is English and names the model: answer in French, the same for
            # "does not exist" and "outside your scope".
            raise exceptions.NotFound(self.not_found_message) from None


def _list_schema(*, tag: str, summary: str, description: str, filter_class, serializer):
    return extend_schema(
        tags=[tag], summary=summary, description=description, parameters=[filter_class],
        responses={
            200: OpenApiResponse(serializer(many=True), description=_("Une page de résultats.")),
            400: OpenApiResponse(VALIDATION_ERROR_SCHEMA, description=_("Paramètre de filtre invalide ou inconnu.")),
            **ERRORS,
        },
    )


def _retrieve_schema(*, tag: str, summary: str, serializer, what: str):
    return extend_schema(
        tags=[tag], summary=summary,
        description=format_lazy(_("Un enregistrement par son identifiant : {}."), what),
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH, description=_("Identifiant (champ « id » des listes)."))],
        responses={
            200: OpenApiResponse(serializer, description=_("L'enregistrement.")),
            **ERRORS,
            404: OpenApiResponse(ErrorSerializer, description=_("Aucun enregistrement de votre périmètre n'a cet identifiant.")),
        },
    )


@extend_schema_view(
    list=_list_schema(
        tag=_("Apprenti·es"), summary=_("Liste des apprenti·es"), filter_class=filters.ApprenticeFilter,
        serializer=ApprenticeSerializer,
        description=_("Les apprenti·es visibles par le compte de la clé (un·e formateur·rice : ses promotions), triés par identifiant."),
    ),
    retrieve=_retrieve_schema(
        tag=_("Apprenti·es"), summary=_("Un·e apprenti·e"), serializer=ApprenticeSerializer,
        what=_("404 si l'apprenti·e n'existe pas ou n'est pas dans le périmètre du compte de la clé"),
    ),
)
class ApprenticeViewSet(ResourceViewSet):
    queryset = Apprentice.objects.all()  # the model, for the schema; reads go through get_queryset
    serializer_class = ApprenticeSerializer
    filter_class = filters.ApprenticeFilter
    not_found_message = _("Apprenti·e introuvable : aucun·e apprenti·e de votre périmètre n'a cet identifiant.")

    def base_queryset(self) -> QuerySet:
        return Apprentice.objects.select_related("cohort__programme")


@extend_schema_view(
    list=_list_schema(
        tag=_("Entreprises"), summary=_("Liste des entreprises"), filter_class=filters.CompanyFilter,
        serializer=CompanySerializer,
        description=_("Les établissements employeurs visibles par le compte de la clé, triés par identifiant."),
    ),
    retrieve=_retrieve_schema(
        tag=_("Entreprises"), summary=_("Une entreprise"), serializer=CompanySerializer,
        what=_("404 si l'entreprise n'existe pas ou n'est pas dans le périmètre du compte de la clé"),
    ),
)
class CompanyViewSet(ResourceViewSet):
    queryset = Company.objects.all()
    serializer_class = CompanySerializer
    filter_class = filters.CompanyFilter
    not_found_message = _("Entreprise introuvable : aucune entreprise de votre périmètre n'a cet identifiant.")

    def base_queryset(self) -> QuerySet:
        return Company.objects.select_related("owner_cre")


@extend_schema_view(
    list=_list_schema(
        tag=_("Contrats"), summary=_("Liste des contrats"), filter_class=filters.ContractFilter,
        serializer=ContractSerializer,
        description=_("Les contrats (et avenants) visibles par le compte de la clé, avec leur dossier OPCO, triés par identifiant."),
    ),
    retrieve=_retrieve_schema(
        tag=_("Contrats"), summary=_("Un contrat"), serializer=ContractSerializer,
        what=_("404 si le contrat n'existe pas ou n'est pas dans le périmètre du compte de la clé"),
    ),
)
class ContractViewSet(ResourceViewSet):
    queryset = Contract.objects.all()
    serializer_class = ContractSerializer
    filter_class = filters.ContractFilter
    not_found_message = _("Contrat introuvable : aucun contrat de votre périmètre n'a cet identifiant.")

    def base_queryset(self) -> QuerySet:
        return Contract.objects.select_related(
            "apprentice", "company", "programme", "master", "second_master", "opco_file"
        )


@extend_schema_view(
    list=_list_schema(
        tag=_("Absences"), summary=_("Liste des absences et retards"), filter_class=filters.AbsenceFilter,
        serializer=AbsenceSerializer,
        description=_(
            "Les demi-journées d'absence ou de retard au centre de formation (les présences ne sont pas listées), "
            "visibles par le compte de la clé, triées par identifiant."
        ),
    ),
    retrieve=_retrieve_schema(
        tag=_("Absences"), summary=_("Une absence ou un retard"), serializer=AbsenceSerializer,
        what=_("404 pour une présence, ou hors du périmètre du compte de la clé"),
    ),
)
class AbsenceViewSet(ResourceViewSet):
    queryset = AttendanceRecord.objects.all()
    serializer_class = AbsenceSerializer
    filter_class = filters.AbsenceFilter
    not_found_message = _("Absence introuvable : aucune absence ni retard de votre périmètre n'a cet identifiant.")

    def base_queryset(self) -> QuerySet:
        return AttendanceRecord.objects.filter(status__in=ABSENCE_STATUSES).select_related("apprentice")


@extend_schema_view(
    list=_list_schema(
        tag=_("Alertes"), summary=_("Liste des alertes"), filter_class=filters.AlertFilter,
        serializer=AlertSerializer,
        description=_(
            "Le registre des alertes visibles par le compte de la clé (CRE et formateur·rice : celles qui leur "
            "sont attribuées ou qui concernent leur périmètre), triées par identifiant."
        ),
    ),
    retrieve=_retrieve_schema(
        tag=_("Alertes"), summary=_("Une alerte"), serializer=AlertSerializer,
        what=_("404 si l'alerte n'existe pas ou n'est pas dans le périmètre du compte de la clé"),
    ),
)
class AlertViewSet(ResourceViewSet):
    queryset = Alert.objects.all()
    serializer_class = AlertSerializer
    filter_class = filters.AlertFilter
    not_found_message = _("Alerte introuvable : aucune alerte de votre périmètre n'a cet identifiant.")

    def base_queryset(self) -> QuerySet:
        return Alert.objects.select_related("apprentice", "company", "assignee")


class ApiRootView(TokenOnlyAPIMixin, routers.APIRootView):
    """Index of the resources (links), behind the same key as the rest."""


class ApiRouter(routers.DefaultRouter):
    APIRootView = ApiRootView
    include_format_suffixes = False


class ApiSchemaView(TokenOnlyAPIMixin, SpectacularAPIView):
    """The OpenAPI 3 description: JSON by default, ``?format=yaml`` for YAML. Behind the same key."""

    # JSON first: errors (401, 403) come back in JSON like everywhere else in the API.
    renderer_classes = [OpenApiJsonRenderer2, OpenApiJsonRenderer, OpenApiYamlRenderer, OpenApiYamlRenderer2]
