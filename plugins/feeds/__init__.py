"""RSS, Atom and JSON feeds built with feedgen."""

from .feeds import register

__all__ = ["register"]
