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
