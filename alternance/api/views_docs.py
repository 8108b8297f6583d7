"""The human documentation of the API (``/api/docs/``), rendered on the server from the OpenAPI
description: no Swagger UI nor Redoc (they need JavaScript bundles that are not installed, and
nothing is loaded from a CDN). A normal page of the application: session login, staff only.
``?download=json|yaml`` hands over the OpenAPI file itself, for tools that import it."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from alternance import access
from alternance.api import docs


def api_docs(request: HttpRequest) -> HttpResponse:
    access.require(access.can_use_api(request.user))
    schema = docs.build_schema()
    fmt = request.GET.get("download", "")
    if fmt in docs.DOWNLOAD_FORMATS:
        content, content_type = docs.render_schema(schema, fmt)
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="alternance-api.{fmt}"'
        return response
    return render(request, "alternance/api/docs.html", docs.docs_context(schema))
