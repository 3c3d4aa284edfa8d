"""The sandbox: a control plane under /_sandbox, a journal and fault rules around the Exotel routes,
magic numbers, and a controllable clock and carrier. Only an app in sandbox mode has any of it."""
