"""Pages of issue tdb (filled in by their feature work)."""

urlpatterns: list = []
