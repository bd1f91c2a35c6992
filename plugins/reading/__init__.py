"""The reading pipeline: check → convert → sanitise → clean (see reading.py)."""

from .reading import register

__all__ = ["register"]
