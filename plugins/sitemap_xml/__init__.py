"""sitemap.xml from the content itself (sitemap_xml.py)."""

from .sitemap_xml import register

__all__ = ["register"]
