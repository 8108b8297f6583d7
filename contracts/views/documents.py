"""Documents of a contract: the documents panel of the contract page."""

from django.http import HttpRequest

from alternance import access
from contracts.models import Contract, Document

urlpatterns: list = []


def panel_context(request: HttpRequest, contract: Contract) -> dict:
    documents = access.visible(request.user, Document).filter(contract=contract).order_by("kind", "-version", "-created_at")
    return {"contract_documents": list(documents)}
