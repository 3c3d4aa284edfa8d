"""The sandbox: a control plane under /_sandbox, magic numbers, and a controllable clock and carrier.

Only a server started in sandbox mode has any of it; `attach(runtime)` is called by create_app then.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from starlette.middleware import Middleware
    from starlette.routing import BaseRoute

    from exopool.api.runtime import Runtime
    from exopool.sandbox.core import Sandbox


def attach(runtime: Runtime) -> tuple[Sandbox, list[BaseRoute], list[Middleware]]:
    """A sandbox for this runtime, with the routes and middleware the app must add."""
    from starlette.middleware import Middleware

    from exopool.sandbox.control import control_routes
    from exopool.sandbox.core import Sandbox
    from exopool.sandbox.middleware import SandboxMiddleware

    sandbox = Sandbox(runtime)
    return sandbox, list(control_routes()), [Middleware(SandboxMiddleware, sandbox=sandbox)]
