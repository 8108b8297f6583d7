"""Views of the contracts app, one module per concern; each module with pages has ``urlpatterns``
and, when it shows a panel on the contract page, ``panel_context(request, contract)``."""

from contracts.views.contracts import ContractListView, contract_detail

__all__ = ["ContractListView", "contract_detail"]
