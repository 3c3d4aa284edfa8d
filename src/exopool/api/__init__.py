"""The Exotel wire contract: routes, authentication, parameters, rendering."""

from exopool.api.app import create_app

__all__ = ["create_app"]
