"""Where the dashboard lives and how its pages are drawn."""

from __future__ import annotations

from pathlib import Path

from starlette.templating import Jinja2Templates

BASE = "/dashboard"
HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
