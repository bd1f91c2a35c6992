"""Refuse comment-system settings (see comments_free.py)."""

from .comments_free import register

__all__ = ["register"]
