"""Pages of issue extranet (filled in by their feature work)."""

urlpatterns: list = []
