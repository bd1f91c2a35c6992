"""The small site-wide facts every page shows (theme_context.py)."""

from .theme_context import register

__all__ = ["register"]
