from .fast_output import register

__all__ = ["register"]
