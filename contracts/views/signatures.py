"""Electronic signatures: the signatures panel of the contract page."""

from django.http import HttpRequest

from alternance import access
from contracts.models import Contract, SignatureRequest

urlpatterns: list = []


def panel_context(request: HttpRequest, contract: Contract) -> dict:
    requests = (
        access.visible(request.user, SignatureRequest)
        .filter(document__contract=contract)
        .select_related("document")
        .prefetch_related("signers__user")
    )
    return {"signature_requests": list(requests)}
