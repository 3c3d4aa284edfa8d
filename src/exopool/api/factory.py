"""An app built from the environment, for `uvicorn --factory` and several server processes."""

from __future__ import annotations

import gc

from starlette.applications import Starlette

from exopool.api.app import create_app
from exopool.config import Settings
from exopool.logs import configure_logging


def app_from_env() -> Starlette:
    settings = Settings.from_env()
    configure_logging(settings.log_level, settings.log_json)
    app = create_app(settings)
    # What start-up built lives as long as the server process: out of the collector's way, so
    # collections while serving walk only what requests allocate.
    gc.freeze()
    return app
