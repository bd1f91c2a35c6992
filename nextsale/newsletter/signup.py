"""The newsletter sign-up form: what it posts, to where, and the page policy that allows it.

`NEWSLETTER_SIGNUP` names the author's email service and its form address; each
service expects its own field names (`SHAPES`, documented in the newsletter
plugin's README). Without an address the form is a mailto sign-up instead, so
a reader always has a way in. No JavaScript: a plain HTML form posts to the
service, and the page's Content-Security-Policy allows that one origin.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

SETTING = "NEWSLETTER_SIGNUP"
KEYS = (
    "service",
    "action",
    "mailto",
    "hidden",
    "lists",
    "segments",
    "segment_field",
    "email_field",
)


@dataclass(frozen=True)
class Shape:
    """How one service's form looks: the email field, fixed fields and the tag segment."""

    email_field: str
    hidden: tuple[tuple[str, str], ...] = ()
    segment_field: str | None = None  # the field a tag page's form adds
    segment_by_name: bool = False  # the tag's own name is the segment (else `segments` maps it)


SHAPES: dict[str, Shape] = {
    # https://buttondown.com/api/emails/embed-subscribe/<username>; tags by name.
    "buttondown": Shape("email", (("embed", "1"),), "tag", segment_by_name=True),
    # https://<dc>.list-manage.com/subscribe/post?u=<u>&id=<id>; tags by numeric id.
    "mailchimp": Shape("EMAIL", (), "tags"),
    # https://<listmonk host>/subscription/form; lists by UUID in `l`.
    "listmonk": Shape("email", (), "l"),
    # https://app.kit.com/forms/<form id>/subscriptions; no per-tag field.
    "kit": Shape("email_address"),
    "custom": Shape("email"),
}


class SignupSettingError(ValueError):
    """NEWSLETTER_SIGNUP cannot work; the message says what to write instead."""


def _fail(problem: str) -> SignupSettingError:
    return SignupSettingError(
        f"pelicanconf.py: {SETTING} {problem}. See plugins/newsletter/README.md, "
        '"Sign-up form", for each service\'s settings'
    )


@dataclass(frozen=True)
class Signup:
    """The sign-up form as templates draw it (`signup` in every template)."""

    service: str | None
    action: str | None  # None: no form, a mailto sign-up instead
    mailto: str  # the address a reader writes to with the subject "subscribe"
    email_field: str = "email"
    hidden: tuple[tuple[str, str], ...] = ()
    honeypot: str | None = None  # a field bots fill in and people never see
    segment_field: str | None = None
    segment_by_name: bool = False
    segments: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def origin(self) -> str | None:
        """The form's origin (scheme://host[:port]), what `form-action` allows."""
        if not self.action:
            return None
        parts = urlsplit(self.action)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def mailto_href(self) -> str:
        return f"mailto:{self.mailto}?subject=subscribe"

    def fields(self, tag: Any = None) -> list[tuple[str, str]]:
        """The hidden fields to post; on a tag's page, with the tag's segment if it has one."""
        found = list(self.hidden)
        if tag is not None and self.segment_field:
            slug = str(getattr(tag, "slug", tag))
            values = self.segments.get(slug) or (
                (str(getattr(tag, "name", slug)),) if self.segment_by_name else ()
            )
            found += [(self.segment_field, value) for value in values]
        return found

    def policy(self, site_policy: str) -> str:
        """The page's Content-Security-Policy with `form-action` allowing this form only.

        Every other directive stays as the site has it; without a form the
        site's own `form-action` (normally 'none') is kept.
        """
        if not self.origin:
            return site_policy
        parts = [part.strip() for part in site_policy.split(";") if part.strip()]
        kept = [part for part in parts if part.split()[0].lower() != "form-action"]
        return "; ".join([*kept, f"form-action {self.origin}"])


def _strings(value: Any, what: str) -> tuple[str, ...]:
    items = (value,) if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(v, str) and v for v in items):
        raise _fail(f"{what} must be a string or a list of strings (got {value!r})")
    return tuple(items)


def _action(value: Any) -> str | None:
    if value in (None, ""):
        return None
    parts = urlsplit(str(value))
    local = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if parts.scheme != "https" and not (parts.scheme == "http" and local):
        raise _fail(
            f"'action' must be the https:// address the form posts to (got {value!r}); "
            "a sign-up over plain http would send readers' addresses in the clear"
        )
    if any(c in str(value) for c in "\"'<> \n"):
        raise _fail(f"'action' {value!r} contains quotes, spaces or angle brackets")
    return str(value)


def _honeypot(service: str, action: str) -> str | None:
    """Mailchimp's bot trap is named after the form's `u` and `id`; listmonk's is `nonce`."""
    if service == "listmonk":
        return "nonce"
    if service == "mailchimp":
        query = parse_qs(urlsplit(action).query)
        u, list_id = query.get("u", [""])[0], query.get("id", [""])[0]
        if not (u and list_id):
            raise _fail(
                f"'action' {action!r} lacks the u= and id= of a Mailchimp form; copy the "
                "form's action from Mailchimp's embedded form code"
            )
        return f"b_{u}_{list_id}"
    return None


def load_signup(settings: Mapping[str, Any], fallback_address: str) -> Signup:
    """Read NEWSLETTER_SIGNUP; an unset or address-less setting gives the mailto sign-up."""
    spec = settings.get(SETTING) or {}
    if not isinstance(spec, Mapping):
        raise _fail("must be a dict such as {'service': 'buttondown', 'action': ...}")
    unknown = sorted(set(spec) - set(KEYS))
    if unknown:
        raise _fail(f"has unknown keys {', '.join(unknown)} (known: {', '.join(KEYS)})")
    mailto = str(spec.get("mailto") or fallback_address).removeprefix("mailto:")
    if "@" not in mailto or any(c in mailto for c in "?\"'<> \n"):
        raise _fail(
            f"'mailto' must be a plain address such as letters@example.com (got {mailto!r})"
        )
    action = _action(spec.get("action"))
    if action is None:
        return Signup(None, None, mailto)
    service = spec.get("service")
    if service not in SHAPES:
        raise _fail(f"'service' must be one of {', '.join(SHAPES)} (got {service!r})")
    shape = SHAPES[service]
    hidden = dict(shape.hidden)
    extra = spec.get("hidden") or {}
    if not isinstance(extra, Mapping) or not all(isinstance(v, str) for v in extra.values()):
        raise _fail(f"'hidden' must be a dict of field names to strings (got {extra!r})")
    hidden.update(extra)
    pairs = list(hidden.items())
    if service == "listmonk":
        lists = _strings(spec.get("lists"), "'lists' (the UUIDs of the public lists to join)")
        pairs += [("l", uuid) for uuid in lists]
    segments = spec.get("segments") or {}
    if not isinstance(segments, Mapping):
        raise _fail(f"'segments' must map tag slugs to values (got {segments!r})")
    segment_field = spec.get("segment_field") or shape.segment_field
    if segments and not segment_field:
        raise _fail(f"'segments' needs 'segment_field': {service} has no per-tag field")
    return Signup(
        service=service,
        action=action,
        mailto=mailto,
        email_field=str(spec.get("email_field") or shape.email_field),
        hidden=tuple(pairs),
        honeypot=_honeypot(service, action),
        segment_field=segment_field,
        segment_by_name=shape.segment_by_name,
        segments={str(k): _strings(v, f"'segments' value for {k!r}") for k, v in segments.items()},
    )
