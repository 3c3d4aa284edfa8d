"""An app built from the environment, for `uvicorn --factory` and several server processes."""

from __future__ import annotations

from starlette.applications import Starlette

from exopool.api.app import create_app
from exopool.config import Settings
from exopool.logs import configure_logging


def app_from_env() -> Starlette:
    settings = Settings.from_env()
    configure_logging(settings.log_level, settings.log_json)
    return create_app(settings)
