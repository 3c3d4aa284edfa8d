"""exopool: a self-hostable phone-number service that speaks Exotel's ExoPhones API."""

__version__ = "0.1.0"
