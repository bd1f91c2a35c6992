"""The engine: builds fast without changing what Pelican or its plugins see (engine.py)."""

from .engine import register

__all__ = ["register"]
