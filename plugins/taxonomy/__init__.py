"""Curated tag taxonomy for Pelican: canonical tags, topics, guidance, related reading."""

from .taxonomy import register

__all__ = ["register"]
