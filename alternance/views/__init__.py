from alternance.views.apprentices import ApprenticeListView, apprentice_detail
from alternance.views.health import healthz
from alternance.views.home import home

__all__ = ["ApprenticeListView", "apprentice_detail", "healthz", "home"]
