"""Clear, file-and-line messages for bad content, before Pelican trips over it."""

from .content_checks import register

__all__ = ["register"]
