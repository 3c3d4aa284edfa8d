"""Operating exopool: every request's id, access line and metrics, and /healthz, /readyz, /metrics."""
