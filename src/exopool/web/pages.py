"""Where the dashboard lives, how its pages are drawn, and what every page shares: the navigation
and, in sandbox mode, the sandbox's controls."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from starlette.requests import Request
from starlette.templating import Jinja2Templates

from exopool.web.controls import SandboxControls

BASE = "/dashboard"
HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
SCOPE_KEY = "exopool.dashboard"


@dataclass(frozen=True)
class NavItem:
    """A link of the top navigation: `key` is what a page passes as `nav` to mark it current."""

    key: str
    label: str
    path: str


# A page module adds its own entry here to appear in the top navigation (see docs/dashboard.md, "Adding a page").
# The methods a dashboard route answers.
GET, POST, BOTH = ["GET"], ["POST"], ["GET", "POST"]

NAV = [NavItem("numbers", "ExoPhones", "/numbers"), NavItem("api", "API settings", "/api-settings"),
       NavItem("events", "Events", "/events"), NavItem("webhooks", "Webhooks", "/webhooks")]
SANDBOX_NAV = NavItem("sandbox", "Sandbox", "/sandbox")
# What an operator sees instead: the operator's pages, of every account.
OPERATOR_HOME = "/operator/accounts"
OPERATOR_NAV = [NavItem("accounts", "Accounts", OPERATOR_HOME), NavItem("pool", "Pool", "/operator/pool"),
                NavItem("releases", "Releases", "/operator/releases"),
                NavItem("log", "Event log", "/operator/events")]


@dataclass
class Shared:
    """What the pages of one app share."""

    nav: list[NavItem] = field(default_factory=lambda: list(NAV))
    operator_nav: list[NavItem] = field(default_factory=lambda: list(OPERATOR_NAV))
    sandbox: SandboxControls | None = None


def shared_of(request: Request) -> Shared:
    """The dashboard's shared state, set on the scope by its router (a default for pages outside it)."""
    found = request.scope.get(SCOPE_KEY)
    return found if isinstance(found, Shared) else Shared()
