"""Permission of the read API: the access policy's ``can_use_api`` (the OF's staff only)."""

from rest_framework.permissions import BasePermission

from alternance import access
from alternance.api.authentication import NOT_STAFF_MESSAGE


class CanUseApi(BasePermission):
    """Staff accounts (coordinator, admin staff, CRE, tutor); each answer is then scoped by
    ``access.visible`` in the view's queryset."""

    message = NOT_STAFF_MESSAGE

    def has_permission(self, request, view) -> bool:
        return access.can_use_api(request.user)
