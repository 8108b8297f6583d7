"""Pages of issue imports (filled in by their feature work)."""

urlpatterns: list = []
