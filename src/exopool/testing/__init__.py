"""Testing an Exotel integration against exopool: an in-process sandbox server and a pytest plugin."""

from exopool.testing.server import ExopoolSandbox, SandboxAccount, start_sandbox

__all__ = ["ExopoolSandbox", "SandboxAccount", "start_sandbox"]
