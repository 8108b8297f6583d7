"""drf-spectacular description of the API key scheme (``Authorization: Bearer <clé>``)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "alternance.api.authentication.ApiTokenAuthentication"
    name = "cleApi"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": str(_(
                "Clé d'API personnelle, créée par un membre de l'équipe sur la page « Clés d'API » (/api/cles/) "
                "et envoyée dans l'en-tête « Authorization: Bearer <clé> ». Les réponses suivent le périmètre "
                "de son compte ; une clé révoquée est refusée (401)."
            )),
        }
