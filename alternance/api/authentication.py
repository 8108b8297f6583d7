"""Authentication of the read API: ``Authorization: Bearer <clé>`` against the hashed ``ApiToken``.

Sessions are deliberately not accepted (the API is for other tools, not for a browser that could
be driven by another site): a missing, unknown, revoked key or an inactive account → 401; a key of
an account outside the OF's staff (apprentice, employer contact) → 403, even when such a key exists.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from alternance import access
from alternance.api.services import api_token_touch
from alternance.models import ApiToken
from alternance.models.invitations import hash_token

KEYWORD = "Bearer"

MISSING_MESSAGE = _(
    "Authentification requise : envoyez votre clé d'API dans l'en-tête « Authorization: Bearer <clé> ». "
    "Créez une clé depuis la page « Clés d'API » de l'application (/api/cles/)."
)
MALFORMED_MESSAGE = _(
    "En-tête Authorization mal formé : écrivez exactement « Authorization: Bearer <clé> », "
    "avec un seul espace et sans guillemets autour de la clé."
)
UNKNOWN_MESSAGE = _(
    "Clé d'API inconnue : vérifiez qu'elle a été copiée en entier, ou créez-en une nouvelle "
    "depuis la page « Clés d'API » (/api/cles/)."
)
REVOKED_MESSAGE = _(
    "Cette clé d'API a été révoquée : créez-en une nouvelle depuis la page « Clés d'API » (/api/cles/) "
    "et remplacez-la dans l'outil qui l'utilise."
)
INACTIVE_MESSAGE = _(
    "Le compte de cette clé d'API est désactivé : demandez à la responsable alternance de le réactiver, "
    "ou utilisez la clé d'un compte actif."
)
NOT_STAFF_MESSAGE = _(
    "L'API est réservée à l'équipe du centre de formation (responsable alternance, équipe administrative, "
    "CRE, formateur·rice référent·e) : cette clé appartient à un compte de l'extranet."
)


class ApiTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer <clé>``; the key is looked up by its SHA-256 (one indexed query)."""

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != KEYWORD.lower().encode():
            # No key (or another scheme): not ours. With no other authenticator the permission
            # check then answers 401 with MISSING_MESSAGE.
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(MALFORMED_MESSAGE)
        try:
            clear = header[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(MALFORMED_MESSAGE) from None
        return self.authenticate_credentials(clear)

    def authenticate_credentials(self, clear: str):
        token = ApiToken.objects.select_related("user").filter(token_hash=hash_token(clear)).first()
        if token is None:
            raise exceptions.AuthenticationFailed(UNKNOWN_MESSAGE)
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(REVOKED_MESSAGE)
        user = token.user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(INACTIVE_MESSAGE)
        if not access.can_use_api(user):
            # The key is genuine but the account may not use the API: forbidden, not unauthenticated.
            raise exceptions.PermissionDenied(NOT_STAFF_MESSAGE)
        api_token_touch(token=token)
        return user, token

    def authenticate_header(self, request) -> str:
        # Makes DRF answer 401 (with this challenge) rather than 403 when no key is sent.
        return f'{KEYWORD} realm="api"'
