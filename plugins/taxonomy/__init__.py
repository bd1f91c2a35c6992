"""Curated tag taxonomy: canonical tags, topics, guidance and related reading."""

from .taxonomy import register

__all__ = ["register"]
