"""Turn the OpenAPI description into what the documentation page shows: the endpoints grouped by
resource (parameters, answers), the fields of each resource and the objects and values they use.

Pure functions of the schema dict: the page is rendered on the server, with no JavaScript bundle.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer, OpenApiYamlRenderer

DOWNLOAD_FORMATS = ("json", "yaml")
REF_PREFIX = "#/components/schemas/"


def build_schema() -> dict:
    """The same description as ``/api/schema/`` (public: every endpoint, whoever asks)."""
    return SchemaGenerator().get_schema(request=None, public=True)


def render_schema(schema: dict, fmt: str) -> tuple[bytes, str]:
    renderer = OpenApiJsonRenderer() if fmt == "json" else OpenApiYamlRenderer()
    return renderer.render(schema, renderer_context={}), renderer.media_type


@dataclass
class TypePart:
    text: str
    ref: str | None = None  # name of a component: the page links to its description


@dataclass
class Row:
    name: str
    type: list[TypePart]
    description: str
    required: bool = False
    values: list[tuple[str, str]] = field(default_factory=list)  # an inline list of choices, with labels


@dataclass
class Operation:
    method: str
    path: str
    summary: str
    description: str
    parameters: list[Row]
    responses: list[tuple[str, str]]


@dataclass
class Resource:
    tag: str
    operations: list[Operation] = field(default_factory=list)
    component: str | None = None
    fields: list[Row] = field(default_factory=list)


@dataclass
class Component:
    name: str
    description: str
    fields: list[Row]
    values: list[tuple[str, str]]


def _ref_name(schema: dict) -> str | None:
    ref = schema.get("$ref", "")
    return ref[len(REF_PREFIX):] if ref.startswith(REF_PREFIX) else None


SCALARS = {
    ("string", "date"): "date (AAAA-MM-JJ)",
    ("string", "date-time"): "date-heure ISO 8601",
    ("string", "decimal"): "décimal (en texte)",
    ("string", "email"): "e-mail",
    ("string", "uri"): "adresse (URL)",
    ("string", None): "texte",
    ("integer", None): "entier",
    ("number", None): "nombre",
    ("boolean", None): "booléen (true / false)",
    ("object", None): "objet JSON",
}


def type_parts(schema: dict) -> list[TypePart]:
    """A readable type: links for objects and lists of values, « ou null » when it may be null."""
    parts: list[TypePart] = []
    name = _ref_name(schema)
    if name:
        parts.append(TypePart(name, ref=name))
    elif schema.get("allOf"):
        for sub in schema["allOf"]:
            parts.extend(type_parts(sub))
    elif schema.get("oneOf"):
        for sub in schema["oneOf"]:
            if _ref_name(sub) in ("NullEnum", "BlankEnum"):
                continue  # said by « ou null » / the empty value below
            parts.extend(type_parts(sub))
        if any(_ref_name(sub) == "BlankEnum" for sub in schema["oneOf"]):
            parts.append(TypePart(_("ou vide (« »)")))
    elif schema.get("type") == "array":
        parts.append(TypePart(_("liste de")))
        parts.extend(type_parts(schema.get("items", {})))
    elif "enum" in schema:
        parts.append(TypePart(_("une des valeurs ci-contre")))
    else:
        kind, fmt = schema.get("type", "object"), schema.get("format")
        parts.append(TypePart(str(SCALARS.get((kind, fmt)) or SCALARS.get((kind, None)) or kind)))
    if schema.get("nullable"):
        parts.append(TypePart(_("ou null")))
    return parts


def _split_choices(description: str) -> tuple[str, dict[str, str]]:
    """drf-spectacular appends the labels of a list of choices to a description as
    ``* `value` - Label`` lines: split them off to show them as a table."""
    lines, labels = [], {}
    for line in (description or "").splitlines():
        if line.startswith("* `") and "` - " in line:
            value, label = line[3:].split("` - ", 1)
            labels[value] = label
        else:
            lines.append(line)
    return "\n".join(lines).strip(), labels


def _row(name: str, schema: dict, description: str, required: bool) -> Row:
    text, labels = _split_choices(description)
    values = [(str(value), labels.get(str(value), "")) for value in schema.get("enum", ()) if value not in ("", None)]
    return Row(name=name, type=type_parts(schema), description=text, required=required, values=values)


def _rows(properties: dict, required: list | tuple = ()) -> list[Row]:
    return [
        _row(name, prop, prop.get("description") or prop.get("title") or "", name in required)
        for name, prop in properties.items()
    ]


def _main_component(operation: dict) -> str | None:
    """The resource behind an answer: ``Apprentice`` for a page of apprentices or for one."""
    content = operation.get("responses", {}).get("200", {}).get("content", {})
    schema = next(iter(content.values()), {}).get("schema", {})
    name = _ref_name(schema)
    if name and name.startswith("Paginated"):
        return name.removeprefix("Paginated").removesuffix("List")
    return name


def docs_context(schema: dict) -> dict:
    components = schema.get("components", {}).get("schemas", {})
    resources: dict[str, Resource] = {}
    for path, methods in schema.get("paths", {}).items():
        for method, operation in methods.items():
            tag = (operation.get("tags") or [_("Autres")])[0]
            resource = resources.setdefault(tag, Resource(tag=tag))
            resource.operations.append(Operation(
                method=method.upper(),
                path=path,
                summary=operation.get("summary", ""),
                description=operation.get("description", ""),
                parameters=[
                    _row(param["name"], param.get("schema", {}), param.get("description", ""), param.get("required", False))
                    for param in operation.get("parameters", [])
                    if param.get("in") == "query"
                ],
                responses=[(code, answer.get("description", "")) for code, answer in operation.get("responses", {}).items()],
            ))
            main = _main_component(operation)
            if main in components and resource.component is None:
                resource.component = main
                resource.fields = _rows(components[main].get("properties", {}), components[main].get("required", ()))
    shown = {resource.component for resource in resources.values()}
    others = [
        Component(
            name=name,
            # An enum's description is the list of its values, shown as a table instead.
            description="" if "enum" in definition else definition.get("description", ""),
            fields=_rows(definition.get("properties", {}), definition.get("required", ())),
            values=_enum_values(definition),
        )
        for name, definition in sorted(components.items())
        if name not in shown and not name.startswith("Paginated") and name not in ("NullEnum", "BlankEnum")
    ]
    schemes = schema.get("components", {}).get("securitySchemes", {})
    return {
        "info": schema.get("info", {}),
        "security": [scheme.get("description", "") for scheme in schemes.values()],
        "resources": list(resources.values()),
        "components": others,
    }


def _enum_values(definition: dict) -> list[tuple[str, str]]:
    """The values of an enum component with their French label."""
    if "enum" not in definition:
        return []
    _text, labels = _split_choices(definition.get("description", ""))
    return [(str(value), labels.get(str(value), "")) for value in definition["enum"] if value not in ("", None)]
