"""The REST API (django-ninja): one NinjaAPI, a router per app, OpenAPI at /api/docs."""

from ninja import NinjaAPI

api = NinjaAPI(title="supportdesk API", version="1", urls_namespace="api")
