"""Testing an Exotel integration against exopool: an in-process sandbox server and a pytest plugin.

The plugin is registered by the base install (the SDK alone); the server it starts needs
`exopool[server]`. So nothing here imports the server until a sandbox is asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from exopool.testing.server import ExopoolSandbox, SandboxAccount, start_sandbox

__all__ = ["ExopoolSandbox", "SandboxAccount", "start_sandbox"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from exopool.testing import server

        return getattr(server, name)
    raise AttributeError(name)
