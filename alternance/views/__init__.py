from alternance.views.health import healthz
from alternance.views.home import home

__all__ = ["healthz", "home"]
