"""The OpenAPI description (/api/schema/, behind a key) and the human documentation page
(/api/docs/, a staff page rendered on the server)."""

import json

import pytest
import yaml
from django.core.management import call_command
from django.urls import reverse
from drf_spectacular.validation import validate_schema

from alternance.api.services import api_token_create
from tests.factories.alternance import ApprenticeUserFactory, CoordinatorFactory, EmployerUserFactory, TutorFactory

pytestmark = pytest.mark.django_db

SCHEMA_URL = "/api/schema/"
DOCS_URL = "/api/docs/"
RESOURCE_PATHS = ("/api/apprenti-es/", "/api/entreprises/", "/api/contrats/", "/api/absences/", "/api/alertes/")


def bearer(user) -> dict:
    _token, clear = api_token_create(user=user, label="Schéma")
    return {"HTTP_AUTHORIZATION": f"Bearer {clear}"}


def test_urls_are_the_documented_ones():
    assert reverse("api:schema") == SCHEMA_URL
    assert reverse("api:docs") == DOCS_URL
    assert [reverse(f"api:{name}-list") for name in ("apprentice", "company", "contract", "absence", "alert")] == list(RESOURCE_PATHS)


def _assert_describes_the_five_resources(schema: dict) -> None:
    validate_schema(schema)  # raises on an invalid OpenAPI 3 document
    assert schema["info"]["title"] == "API de lecture — Alternance"
    assert schema["info"]["version"] == "1.0.0"
    for path in RESOURCE_PATHS:
        assert set(schema["paths"][path]) == {"get"}, path
        assert set(schema["paths"][f"{path}{{id}}/"]) == {"get"}, path
    assert set(schema["paths"]) == set(RESOURCE_PATHS) | {f"{path}{{id}}/" for path in RESOURCE_PATHS}
    assert {"Apprentice", "Company", "Contract", "Absence", "Alert"} <= set(schema["components"]["schemas"])
    assert schema["components"]["securitySchemes"]["cleApi"]["scheme"] == "bearer"
    assert "nir" not in json.dumps(schema["components"]["schemas"]["Apprentice"]).lower()
    parameters = {p["name"] for p in schema["paths"]["/api/apprenti-es/"]["get"]["parameters"]}
    assert parameters == {"page", "page_size", "status", "cohort", "programme", "updated_since"}


def test_schema_is_valid_json_by_default(client):
    response = client.get(SCHEMA_URL, **bearer(TutorFactory()))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    _assert_describes_the_five_resources(json.loads(response.content))


def test_schema_is_valid_yaml_on_demand(client):
    response = client.get(SCHEMA_URL, {"format": "yaml"}, **bearer(CoordinatorFactory()))
    assert response.status_code == 200
    assert "openapi" in response["Content-Type"]
    _assert_describes_the_five_resources(yaml.safe_load(response.content))


def test_schema_needs_a_key(client):
    response = client.get(SCHEMA_URL)
    assert response.status_code == 401
    assert "Authorization: Bearer" in response.json()["detail"]


def test_schema_generation_has_no_warning(tmp_path):
    output = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(output))
    _assert_describes_the_five_resources(yaml.safe_load(output.read_text()))


def test_api_root_lists_the_resources_behind_a_key(client):
    assert client.get("/api/").status_code == 401
    response = client.get("/api/", **bearer(CoordinatorFactory()))
    assert response.status_code == 200
    assert set(response.json()) == {"apprenti-es", "entreprises", "contrats", "absences", "alertes"}


# --- the documentation page ------------------------------------------------------------------------


def test_docs_page_lists_every_endpoint_with_its_parameters_and_fields(client):
    client.force_login(TutorFactory())
    response = client.get(DOCS_URL)
    assert response.status_code == 200
    html = response.content.decode()
    for path in RESOURCE_PATHS:
        assert f"<code>{path}</code>" in html
        assert f"<code>{path}{{id}}/</code>" in html
    for tag in ("Apprenti·es", "Entreprises", "Contrats", "Absences", "Alertes"):
        assert f'<h2 class="h4">{tag}</h2>' in html
    assert html.count('data-testid="resource"') == 5
    # Parameters, fields, values of the lists of choices, how to authenticate.
    assert "<code>updated_since</code>" in html and "<code>page_size</code>" in html
    assert "<code>birth_date</code>" in html and "date (AAAA-MM-JJ)" in html
    assert 'id="objet-ContractStatusEnum"' in html and "<code>sent_to_opco</code>" in html
    assert "Authorization: Bearer" in html
    assert reverse("api:token_list") in html
    # Nothing from outside: no script at all on this page besides the layout's own.
    assert "cdn" not in html.lower() and "swagger" not in html.lower()
    assert "<code>nir" not in html and "has_nir" not in html and "nir_encrypted" not in html


def test_docs_page_offers_the_description_as_a_file(client):
    client.force_login(CoordinatorFactory())
    as_yaml = client.get(DOCS_URL, {"download": "yaml"})
    assert as_yaml["Content-Disposition"] == 'attachment; filename="alternance-api.yaml"'
    _assert_describes_the_five_resources(yaml.safe_load(as_yaml.content))
    as_json = client.get(DOCS_URL, {"download": "json"})
    assert as_json["Content-Disposition"] == 'attachment; filename="alternance-api.json"'
    _assert_describes_the_five_resources(json.loads(as_json.content))


@pytest.mark.parametrize("factory", [ApprenticeUserFactory, EmployerUserFactory])
def test_docs_page_is_for_staff_only(client, factory):
    client.force_login(factory())
    assert client.get(DOCS_URL).status_code == 403
    assert client.get(DOCS_URL, {"download": "json"}).status_code == 403


def test_docs_page_needs_a_login(client):
    response = client.get(DOCS_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
