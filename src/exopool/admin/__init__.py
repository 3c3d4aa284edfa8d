"""The admin API under /admin/v1: the operator's side of exopool, in JSON with problem details."""

from exopool.admin.routes import PREFIX, ROUTES, AdminRoute, admin_routes

__all__ = ["PREFIX", "ROUTES", "AdminRoute", "admin_routes"]
