"""Newsletter issues rendered as web pages, emails, .eml files and an RSS feed."""

from .newsletter import register

__all__ = ["register"]
