"""OPCO follow-up: the OPCO panel of the contract page."""

from django.http import HttpRequest

from alternance import access
from contracts.models import Contract, OpcoFile

urlpatterns: list = []


def panel_context(request: HttpRequest, contract: Contract) -> dict:
    """The contract's OPCO file and instalments (staff only, by the access policy)."""
    opco_file = access.visible(request.user, OpcoFile).filter(contract=contract).prefetch_related("instalments").first()
    return {"opco_file": opco_file}
