"""The OpenAPI schema: valid OpenAPI 3, and it describes every endpoint there is."""
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db


def api_routes(patterns=None, prefix="") -> set[str]:
    """Every route under /api/v1/ in the URL configuration, as the schema spells paths."""
    routes = set()
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            routes |= api_routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern) and route.startswith("api/v1/") and entry.callback.__name__ != "not_found":
            routes.add("/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route).replace("{pk}", "{id}"))
    return routes


def test_the_schema_is_valid_openapi_and_lists_every_endpoint():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate(schema)
    documented = set(schema["paths"])
    assert api_routes() - {"/api/v1/schema/", "/api/v1/docs/"} == documented
    assert len(documented) >= 25
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            assert operation.get("summary") or operation.get("description"), f"{method.upper()} {path} is undocumented"
            unauthenticated = operation["responses"]["401"]["content"]["application/json"]["schema"]
            assert unauthenticated == {"$ref": "#/components/schemas/Error"}, f"{method.upper()} {path}"
    assert set(schema["components"]["schemas"]["Error"]["properties"]["error"]["required"]) == {
        "status", "code", "message", "fields"}


def test_the_schema_and_its_documentation_page_are_public_and_load_nothing_from_elsewhere(client):
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200 and b"openapi: 3" in schema.content
    page = client.get("/api/v1/docs/").content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources and all(source.startswith("/") for source in sources), sources
    script = client.get(re.search(r'src="(/api/v1/docs/\?[^"]+)"', page).group(1).replace("&amp;", "&"))
    assert script.status_code == 200 and b"/api/v1/schema/" in script.content
