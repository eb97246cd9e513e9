"""The HTTP API under /api/v1/ (django-ninja; OpenAPI at /api/v1/openapi.json)."""
from __future__ import annotations

from django.utils import translation
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from trm.accounts.services import token_user


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        user = token_user(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="trm", version="1", urls_namespace="api",
    description="A TRM node: cases written against the reporting template. Errors are JSON "
                "`{\"errors\": [{\"path\", \"code\", \"message\"}]}` in the language of Accept-Language.",
    auth=BearerToken(),
)


def error_response(request, status: int, errors: list[dict]):
    return api.create_response(request, {"errors": errors}, status=status)


@api.exception_handler(NinjaValidationError)
def invalid_request(request, exc):
    errors = [{"path": ".".join(str(p) for p in e.get("loc", [])[1:]), "code": "invalid_request",
               "message": translation.gettext("This request is not valid.")} for e in exc.errors]
    return error_response(request, 422, errors)


@api.exception_handler(HttpError)
def http_error(request, exc):
    """Malformed JSON and the like: the same error shape as everything else."""
    return error_response(request, exc.status_code, [{"path": "", "code": "invalid_request",
                                                      "message": translation.gettext("This request is not valid.")}])


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    return error_response(request, 401, [{"path": "", "code": "unauthenticated",
                                          "message": translation.gettext("A valid API token is required.")}])


from trm.cases.api import due_router, router as cases_router  # noqa: E402

from trm.exchange.api import case_router as case_messages_router, router as messages_router  # noqa: E402

api.add_router("/cases", cases_router)
api.add_router("/cases", case_messages_router)
api.add_router("", messages_router)
api.add_router("/due", due_router)


def not_found(request, rest=""):
    """Any other address under /api/v1/: a JSON 404, like every API error."""
    from django.http import JsonResponse
    return JsonResponse({"errors": [{"path": "", "code": "not_found", "message": translation.gettext("No such address.")}]},
                        status=404)
