"""URLs of the read API (``/api/…``, namespace ``api``): the resources behind an API key, their
OpenAPI description, the human documentation page and the staff's key management page."""

from django.urls import path

from alternance.api import views, views_docs, views_tokens

app_name = "api"

router = views.ApiRouter(trailing_slash=True)
router.register("apprenti-es", views.ApprenticeViewSet, basename="apprentice")
router.register("entreprises", views.CompanyViewSet, basename="company")
router.register("contrats", views.ContractViewSet, basename="contract")
router.register("absences", views.AbsenceViewSet, basename="absence")
router.register("alertes", views.AlertViewSet, basename="alert")

urlpatterns: list = [
    path("schema/", views.ApiSchemaView.as_view(), name="schema"),
    path("docs/", views_docs.api_docs, name="docs"),
    path("cles/", views_tokens.token_list, name="token_list"),
    path("cles/<int:pk>/revoquer/", views_tokens.token_revoke, name="token_revoke"),
    *router.urls,
]
