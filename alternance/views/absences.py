"""Pages of issue absences (filled in by their feature work)."""

urlpatterns: list = []
