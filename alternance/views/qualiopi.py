"""Pages of issue qualiopi (filled in by their feature work)."""

urlpatterns: list = []
