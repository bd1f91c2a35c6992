from .engine import register

__all__ = ["register"]
