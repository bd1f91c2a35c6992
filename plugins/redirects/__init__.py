"""Redirect pages and a redirects file for imported posts' old addresses (redirects.py)."""

from .redirects import register

__all__ = ["register"]
