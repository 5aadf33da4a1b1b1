"""The coding API (FastAPI): ``create_app(settings=None, database=None)``; ``clincode serve`` runs it."""
from .main import PUBLIC_PATHS, api_routes, create_app

__all__ = ["create_app", "api_routes", "PUBLIC_PATHS"]
