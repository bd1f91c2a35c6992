"""Keep the site comments-free: refuse comment settings, strip pasted cruft."""

from .comments_free import CommentSettingError, CruftSettingError, register

__all__ = ["CommentSettingError", "CruftSettingError", "register"]
