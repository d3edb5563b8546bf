"""How the OpenAPI schema describes the API's authentication schemes."""
from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "pct_…",
                "description": "A personal token from your profile page. Read-only tokens get 403 on changes."}


class ProviderAccessTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.OidcAccessTokenAuthentication"
    name = "providerAccessToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                "description": "An access token of the single sign-on provider (Cognito), when it is configured."}


ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object",
        "required": ["status", "code", "message", "fields"],
        "properties": {
            "status": {"type": "integer", "description": "The HTTP status, repeated."},
            "code": {"type": "string", "description": "not_authenticated, authentication_failed, permission_denied, "
                                                      "not_found, invalid, duplicate, rejected, too_large, throttled…"},
            "message": {"type": "string", "description": "A sentence for a person, as the site's pages say it."},
            "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}},
                       "description": "For a request that did not validate: what is wrong with each field."},
            "retry_after": {"type": "integer", "description": "Throttled: seconds to wait."},
        },
        "additionalProperties": True,
    }},
}
# Which errors every operation can answer with, besides those it documents itself.
COMMON_ERRORS = {
    "401": "No credentials, or a token that does not work.",
    "403": "A read-only token asked to change something.",
    "404": "Nothing with this id among yours.",
    "429": "Too many requests with this token; see retry_after.",
}


def document_errors(result, generator, request, public):
    """drf-spectacular post-processing hook: the error shape as a component, and the errors every
    operation may answer with pointing at it."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, item in result["paths"].items():
        for method, operation in item.items():
            errors = dict(COMMON_ERRORS)
            if method in ("post", "put", "patch") or operation.get("parameters"):
                errors["400"] = "The request did not validate; fields says why."
            if "{" not in path:
                errors.pop("404")
            for status, description in errors.items():
                operation["responses"].setdefault(status, {"description": description, "content": reference})
    return result
