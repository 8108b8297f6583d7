"""Pages of issue calendar (filled in by their feature work)."""

urlpatterns: list = []
