"""The Exotel wire contract: routes, authentication, parameters, rendering, errors in Exotel's words."""
