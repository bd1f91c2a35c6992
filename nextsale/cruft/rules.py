"""The cruft rules, in one place, shared by the importer and the build cleaner.

A rule is data: a name (used in reports and in `CRUFT_DISABLED_RULES`), the
line patterns it matches, the trigger words that must occur for any pattern
to match (a cheap pre-check), and the class/id tokens of HTML containers it
removes whole. Patterns are matched case-insensitively against the *whole*
text of one line or block (`fullmatch`), never searched inside prose, so a
sentence that merely mentions comments is left alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from urllib.parse import urlsplit

# fmt: off
DEFAULTS = {
    "CRUFT_EXTRA_PATTERNS": [],
    "CRUFT_DISABLED_RULES": [],
    "CRUFT_SHORTLINK_HOSTS": [
        "bit.ly", "bitly.com", "buff.ly", "cutt.ly", "dlvr.it", "fb.me", "goo.gl", "is.gd",
        "lnkd.in", "ow.ly", "rebrand.ly", "shorturl.at", "t.co", "tiny.cc", "tinyurl.com",
        "trib.al",
    ],
}
# fmt: on


class CruftSettingError(ValueError):
    """A CRUFT_* setting is malformed."""


SHORTLINK_RULE = "tracking-shortlink"
EXTRA_RULE = "extra-pattern"


@dataclass(frozen=True)
class Rule:
    """One named kind of cruft."""

    name: str
    description: str
    patterns: tuple[str, ...] = ()
    triggers: tuple[str, ...] = ()
    html_tokens: frozenset[str] = field(default_factory=frozenset)
    # Longer lines are prose, whatever they contain.
    max_words: int = 14
    # Only the last few blocks of a post (author bios sit at the end).
    tail_only: bool = False


# fmt: off
RULES: tuple[Rule, ...] = (
    Rule(
        "comment-count",
        "comment counts and closed-comment notices",
        (
            r"(?:there (?:are|is) )?(?:no|one|\d+) (?:comments?|responses?|replies|thoughts?)"
            r"(?: so far)?(?: (?:to|on) .{1,80})?\s*[:.»]?",
            r"comments? (?:are )?(?:off|closed|disabled)(?: on .{1,80})?\.?",
            r"(?:\d+ )?comments?\s*\(\d+\)",
            r"(?:view|show|hide|read) (?:all )?(?:\d+ )?comments?(?:\s*\(\d+\))?\.?",
            r"\S.{0,60} said\s*(?:\.\.\.|…)",
        ),
        ("comment", "respons", "repl", "said", "thought"),
        frozenset({"comments", "comment-count", "comments-link", "comment-list", "commentlist",
            "comments-area", "comment-thread", "comment-holder", "post-comment-link",
            "disqus_thread"}),
    ),
    Rule(
        "comment-form",
        "comment forms and their field labels",
        (
            r"(?:post|leave|add|write|submit) (?:a|your|new) comments?\s*[:.!]?",
            r"your email address will not be published\.?.*",
            r"required fields are marked.*",
            r"notify me of (?:follow-up comments|new posts).*",
            r"you must be logged in to post a comment\.?",
            r"subscribe to:? post comments(?: \(atom\))?\.?",
            r"post comments \(atom\)",
        ),
        ("comment", "email address", "required fields", "notify me"),
        frozenset({"comment-respond", "respond", "commentform", "comment-form", "comment-editor"}),
    ),
    Rule(
        "reply-prompt",
        "reply prompts",
        (
            r"(?:leave|post|add) a reply\s*(?:cancel reply)?\s*[:.!]?",
            r"(?:cancel )?reply\s*[↓:]?",
            r"(?:click here to )?reply to (?:this|the) (?:post|comment)\.?",
        ),
        ("reply",),
        frozenset({"reply", "comment-reply-link"}),
    ),
    Rule(
        "share-prompt",
        "share prompts and share bars",
        (
            r"share (?:this|it)(?: (?:post|article|page|story))?\s*[:!.]?",
            r"share (?:on|to|via|with) (?:facebook|twitter|x|linkedin|pinterest|tumblr|pocket|"
            r"telegram|google\+?|messenger|email|whatsapp|reddit|your friends)\b.*",
            r"share\s*:?(?:\s*(?:facebook|twitter|linkedin|pinterest|email|"
            r"whatsapp|reddit|print|x)\b[\s,|]*)*",
            r"(?:email this\s*)?blogthis!.*",
            r"(?:tweet|pin it|like this:?|like loading\s*(?:\.{3}|…)?)",
            r"(?:like|share|tweet|email|print)?\s*loading\s*(?:\.{3}|…)",
            r"click to (?:share|email|print)\b.{0,60}(?:\(opens in new window\))?\s*\d*",
            r"(?:%d|\d+) bloggers? like[sd]? this\s*[:.]?",
            r"(?:copy|copied) link|link copied\.?",
        ),
        ("share", "blogthis", "tweet", "pin it", "like", "loading", "click to", "link"),
        frozenset({"share", "sharing", "sharedaddy", "share-bar", "share-buttons", "social-share",
            "post-share-buttons", "addtoany_share_save_container", "a2a_kit"}),
    ),
    Rule(
        "permalink",
        "permalink and trackback lines",
        (
            r"bookmark the permalink\s*\.?",
            r"(?:.{1,60}\|\s*)?permalink\s*\.?",
            r"link to this post\.?",
            r"trackback(?:s| url)?\s*:?.{0,80}",
        ),
        ("permalink", "link to this post", "trackback"),
    ),
    Rule(
        "login-banner",
        "login, sign-up and account banners",
        (
            r"(?:create|open|register) (?:a |an |your )?(?:free )?account"
            r"(?:,? (?:or|and) (?:log ?in|sign ?in))?\s*[.!]?",
            r"(?:log ?in|sign ?in|sign up|register)(?: (?:or|and|to|now|here|for)\b.*)?"
            r"\s*[.!]?",
            r"(?:log ?in|sign ?in|sign up|register)\s*[/|·]\s*"
            r"(?:log ?in|sign ?in|sign up|register)",
            r"already (?:a member|have an account|registered)\?.*",
            r"(?:you are )?(?:not )?logged in(?: as .*)?\.?",
            r"log ?out\.?",
        ),
        ("account", "log", "sign", "register", "member"),
        frozenset({"login-banner", "loginout", "account-banner"}),
        max_words=10,
    ),
    Rule(
        "promo",
        "'for more ... click here' promotions",
        (
            r"for more\b.*\bclick here\s*[.!]?",
            r"(?:click|tap) here\b.*",
            r".*\b(?:click|tap) here\s*[.!]?",
            r"(?:read more|continue reading)(?: the (?:main |full |whole )?(?:story|article|post))?"
            r"\s*(?:»|→|\.{3}|…)?",
            r"(?:read more|continue reading)\b.{1,80}?\s*(?:»|→|\.{3}|…)",
            # Sign-up and download boxes, whether or not their link survived the copy.
            r"(?:subscribe|sign up|join|get)(?: (?:to|for|now))?"
            r"(?: (?:our|my|the|this|a|free|weekly|daily|monthly))*"
            r" (?:newsletter|mailing list|e-?mail (?:list|updates|digest))\b.{0,80}",
            r"(?:subscribe|sign up)(?: (?:to|for|now))?"
            r"(?: (?:our|my|the|this|a|free|weekly|daily|monthly|e-?mail))*"
            r" (?:blog|posts|updates|list|digest|feed)\b.{0,80}",
            r"subscribe(?: now| here| today)?\s*[.!]?",
            # A giveaway: "Download our free guide", "Grab your free checklist now".
            r"(?:(?:download|get|grab|claim)(?: (?:our|my|your|this|a|the))? (?:free|complimentary)"
            r"|download (?:our|my))"
            r" (?:\w+ )?(?:guide|e-?book|checklist|template|report|white ?paper|cheat ?sheet"
            r"|toolkit)\b.*",
            r"enter your email(?: address)?\b.*",
            r"join \d[\d,.]* other (?:subscribers|followers)\.?",
            r"(?:email address|your email|type your email address)\s*[:*]?",
            r"(?:advertisement|advertising|sponsored (?:content|post|story)|paid (?:post|content))"
            r"\s*:?",
        ),
        ("click here", "tap here", "read more", "continue reading", "subscribe", "sign up",
         "newsletter", "download", "get", "grab", "claim", "join", "email", "advert", "sponsored",
         "paid"),
        max_words=24,
    ),
    Rule(
        "author-bio",
        "author bios at the end of a post",
        (
            r"about the author\s*:?",
            r"about (?:me|the writer|the blogger)\s*:?",
            r"{author},? (?:is|was|runs|ran|writes|wrote|has|helps|works|founded|"
            r"lives|teaches|consults|leads|owns)\b.*",
        ),
        ("author", "{author}"),
        frozenset({"author-bio", "about-author", "author-box"}),
        max_words=90,
        tail_only=True,
    ),
    Rule(
        "sidebar-residue",
        "photo credits and sidebar residue: related posts, blogroll, pager",
        (
            # A credit names someone: a capital letter or @handle follows.
            r"(?:photo(?:graph)?|image|picture|illustration|header image|top image)s?"
            r" (?:by|courtesy(?: of)?|via|credit:?|source:?)\s+(?-i:[A-Z@]).*",
            r"(?:(?:photo(?:graph)?|image|picture|illustration)s?\s*(?:credits?)?\s*[:©]"
            r"|(?:photo |image )?credits?:)\s*(?-i:[A-Z@©]).{0,100}",
            r".{0,100}\((?:photo |image )?(?:credit|photo|image|courtesy)s?:? .{1,100}\)\.?",
            r"(?:.{0,100}[\s(/])?\(?(?:getty|ap|reuters|afp|shutterstock|istock(?:photo)?"
            r"|unsplash|pexels|wikimedia commons|flickr)(?: images?| photo)?\)?\.?",
            r"(?:related posts?|you (?:may|might) also like|popular posts|recent posts|"
            r"blogroll|follow by email)\s*:?.{0,120}",
            r"(?:newer posts?|older posts?|home|newer|older)"
            r"(?:\s*(?:newer posts?|older posts?|home|newer|older))*",
        ),
        ("photo", "image", "picture", "illustration", "credit", "getty", "reuters",
         "shutterstock", "istock", "unsplash", "pexels", "wikimedia", "flickr", "(ap)",
         "ap photo", "afp", "posts", "also like", "blogroll", "follow by", "newer", "older",
         "home"),
        frozenset({"related-posts", "jp-relatedposts", "sidebar", "widget", "blog-pager"}),
        max_words=40,
    ),
    Rule(
        "engine-footer",
        "blog-engine footers: feeds, validators, query timings, sponsors",
        (
            r"(?:(?:entries\s*(?:\(rss\))?\s*and\s*comments\s*(?:\(rss\))?\s*(?:feeds?)?"
            r"|valid x?html(?: and css)?|(?:proudly )?powered by [\w .-]{2,40}"
            r"|theme(?: design)? by [\w .-]{2,40}|\^?top\^?|back to top"
            r"|\d+ queries(?: in)?\.? [\d.]+ seconds)\s*[.!|·]*\s*)+",
            r"this (?:site|blog) is brought to you by .{1,80}",
            r"(?:site|blog) (?:design|hosting|hosted) by .{1,80}",
            r"(?:(?:proudly )?(?:powered|hosted) (?:by|on|with)|sponsored by"
            r"|(?:this|our|today's) (?:post|site|blog|episode|issue|newsletter) is sponsored by"
            r"|(?:[\w-]+ )?theme(?: design)?(?: by|:)|[\w-]+ (?:theme|template)\.)"
            r"\s+[\w .,&@'-]{1,80}",
            r"[\w-]+ (?:theme|template)\.?",
            r"(?:copyright|©|\(c\))(?:\s*(?:©|\(c\)))?\s*\d{4}(?:\s*[-–]\s*\d{4})?\b.{0,120}",
        ),
        ("feeds", "valid", "powered", "theme", "top", "queries", "brought to you", "hosted",
         "sponsored", "template", "copyright", "©", "(c)"),
        frozenset({"site-footer", "site-info", "credits"}),
    ),
    Rule("reading-time", "reading-time and view counters",
         (r"[·•|]?\s*\d+\s*min(?:ute)?s?(?: read|\s+to read)\s*[·•|]?",
          r"\d[\d,.]*k? (?:views|reads|claps)"),
         ("min", "views", "reads", "claps"), max_words=6),
    # Its lines are found by nextsale.cruft.clean.post_span, not by patterns.
    Rule("outside-post", "the page around a post copied as text: menus, sidebars, footers"),
)
# fmt: on

# Inline: a URL that ends at whitespace or closing punctuation.
URL_RE = re.compile(r"https?://[^\s<>\"'\])]+", re.IGNORECASE)
# Image alt or file-name residue glued to the first word: "promo-banner-3Suppose".
ALT_RESIDUE_RE = re.compile(
    r"^((?:[a-z0-9]+[-_])+[a-z0-9]+(?:\.(?:jpe?g|png|gif|webp))?"
    r"|[\w-]+\.(?:jpe?g|png|gif|webp))(?=[A-Z])"
)
# Link text left dangling once its tracking link is gone ("... click here").
DANGLING_LINK_TEXT_RE = re.compile(r".*\bhere\s*[:.!]?$", re.IGNORECASE)


@dataclass(frozen=True)
class CompiledRule:
    """A rule with its patterns compiled for one run (and one author)."""

    name: str
    patterns: tuple[re.Pattern, ...]
    triggers: tuple[str, ...]
    html_tokens: frozenset[str]
    max_words: int
    tail_only: bool

    @cached_property
    def trigger_re(self) -> re.Pattern | None:
        """One regex for all trigger words: far cheaper than a loop per line."""
        return trigger_regex(self.triggers) if self.triggers else None


@dataclass(frozen=True)
class RuleSet:
    """The active rules of a run, ready to test lines and elements."""

    rules: tuple[CompiledRule, ...]
    shortlink_hosts: frozenset[str]
    always_parse: bool
    # Matches a short-link on one of the hosts, with or without its scheme.
    shortlink_re: re.Pattern | None = None
    # Memo of `nextsale.cruft.clean.line_gate`, per line length.
    line_gates: dict = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def triggers(self) -> tuple[str, ...]:
        return tuple(sorted({t for rule in self.rules for t in rule.triggers}))

    @cached_property
    def any_trigger_re(self) -> re.Pattern | None:
        """Every rule's trigger words in one regex (None if some rule has none)."""
        if any(not rule.triggers for rule in self.rules if rule.patterns):
            return None
        return trigger_regex(self.triggers) if self.triggers else None

    def match_line(
        self, text: str, *, at_tail: bool = False, among: tuple[CompiledRule, ...] | None = None
    ) -> str | None:
        """Return the name of the rule a whole line or block matches, or None (of `among` only)."""
        line = normalise(text)
        if not line:
            return None
        lowered = line.lower()
        # Most lines hold no trigger word at all: one search rules them all out.
        if among is None and self.any_trigger_re and not self.any_trigger_re.search(lowered):
            return None
        words = len(line.split())
        for rule in self.rules if among is None else among:
            if rule.tail_only and not at_tail:
                continue
            if words > rule.max_words:
                continue
            if rule.trigger_re is not None and not rule.trigger_re.search(lowered):
                continue
            if any(p.fullmatch(line) for p in rule.patterns):
                return rule.name
        return None

    def match_element(self, tokens: set[str]) -> str | None:
        """Return the rule whose class/id tokens an HTML element carries."""
        for rule in self.rules:
            if rule.html_tokens & tokens:
                return rule.name
        return None

    def is_shortlink(self, url: str) -> bool:
        """Tell whether a URL points at a tracking short-link host."""
        if SHORTLINK_RULE not in {r.name for r in self.rules}:
            return False
        host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
        return host in self.shortlink_hosts

    def could_match(self, text: str) -> bool:
        """Cheap pre-check: can any rule match somewhere in this text?"""
        if self.always_parse:
            return True
        lowered = text.lower()
        if any(t in lowered for t in self.triggers):
            return True
        return self.names_shortlink_host(lowered)

    @cached_property
    def host_ending_re(self) -> re.Pattern | None:
        """The last part of every short-link host with its dot (".ly", ".co")."""
        if not self.shortlink_hosts or not all("." in host for host in self.shortlink_hosts):
            return None
        return trigger_regex("." + host.rsplit(".", 1)[1] for host in self.shortlink_hosts)

    def names_shortlink_host(self, lowered: str) -> bool:
        """Whether a lowercased text holds a short-link host anywhere.

        Most texts hold no ".ly", ".co" or ".gl" at all: one search says so.
        """
        ending = self.host_ending_re
        if ending is not None and not ending.search(lowered):
            return False
        return any(host in lowered for host in self.shortlink_hosts)


def trigger_regex(words) -> re.Pattern:
    """One regex that finds whether any of `words` occurs, for `search` only.

    Nested by first letters ("c(?:l(?:aps|ick...)|omment)"): a flat alternation
    of eighty words is tried word by word at every position, three times slower.
    A word holding another ("sign up", "sign") adds nothing to a search: dropped.
    """
    return _trigger_regex(tuple(sorted(set(words))))


@lru_cache(maxsize=256)  # line gates of many lengths share one set of words
def _trigger_regex(words: tuple[str, ...]) -> re.Pattern:
    return re.compile(_trie([w for w in words if not any(o != w and o in w for o in words)]))


def _trie(words: list[str]) -> str:
    if "" in words:
        return ""
    groups: dict[str, list[str]] = {}
    for word in words:
        groups.setdefault(word[0], []).append(word[1:])
    branches = []
    for first, rests in sorted(groups.items()):
        rest = _trie(rests)
        branches.append(re.escape(first) + (f"(?:{rest})" if "|" in rest else rest))
    return "|".join(branches)


def normalise(text: str) -> str:
    """Collapse whitespace (including no-break spaces) and trim."""
    return " ".join(text.replace("\u00a0", " ").split())


def compile_rules(settings: dict | None = None, author: str | None = None) -> RuleSet:
    """Build the active rule set from settings merged over DEFAULTS.

    Patterns containing `{author}` are kept only when the author is known.
    Raises ValueError naming the setting when a value is malformed.
    """
    settings = settings or {}
    disabled = _string_list(settings, "CRUFT_DISABLED_RULES")
    extras = _string_list(settings, "CRUFT_EXTRA_PATTERNS")
    hosts = _string_list(settings, "CRUFT_SHORTLINK_HOSTS")
    known = {rule.name for rule in RULES} | {SHORTLINK_RULE, EXTRA_RULE}
    unknown = sorted(set(disabled) - known)
    if unknown:
        raise ValueError(
            f"CRUFT_DISABLED_RULES names unknown rule(s) "
            f"{', '.join(unknown)}; known rules are {', '.join(sorted(known))}"
        )
    author_re = re.escape(normalise(author)) if author else None
    compiled = []
    for rule in RULES:
        if rule.name in disabled:
            continue
        patterns = []
        for template in rule.patterns:
            if "{author}" in template and not author_re:
                continue
            pattern = template.replace("{author}", author_re or "")
            patterns.append(re.compile(pattern, re.IGNORECASE))
        triggers = tuple(
            t.replace("{author}", author.lower()) if author else t
            for t in rule.triggers
            if author or "{author}" not in t
        )
        compiled.append(
            CompiledRule(
                rule.name,
                tuple(patterns),
                triggers,
                rule.html_tokens,
                rule.max_words,
                rule.tail_only,
            )
        )
    if SHORTLINK_RULE not in disabled:
        compiled.append(CompiledRule(SHORTLINK_RULE, (), (), frozenset(), 0, False))
    extra_patterns = []
    if EXTRA_RULE not in disabled:
        for pattern in extras:
            try:
                extra_patterns.append(re.compile(pattern, re.IGNORECASE))
            except re.error as err:
                raise ValueError(
                    f"CRUFT_EXTRA_PATTERNS entry {pattern!r} is not a "
                    f"valid regular expression ({err}); fix or remove it"
                ) from None
    if extra_patterns:
        compiled.append(
            CompiledRule(EXTRA_RULE, tuple(extra_patterns), (), frozenset(), 200, False)
        )
    active_hosts = (
        frozenset(h.lower() for h in hosts) if SHORTLINK_RULE not in disabled else frozenset()
    )
    shortlink_re = None
    if active_hosts:
        alternatives = "|".join(re.escape(h) for h in sorted(active_hosts, key=len, reverse=True))
        shortlink_re = re.compile(
            rf"(?<![\w.@/-])(?:www\.)?(?:{alternatives})/[^\s<>\"')\]]*"
            rf"|https?://(?:www\.)?(?:{alternatives})/[^\s<>\"')\]]*",
            re.IGNORECASE,
        )
    return RuleSet(
        tuple(compiled),
        active_hosts,
        # Arbitrary extra regexes have no trigger words to pre-check.
        always_parse=bool(extra_patterns),
        shortlink_re=shortlink_re,
    )


def _string_list(settings: dict, name: str) -> list[str]:
    value = settings.get(name, DEFAULTS[name])
    if value is None:
        return []
    if isinstance(value, str) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{name} must be a list of strings, got {value!r}")
    return list(value)


def site_rules(settings: dict, author: str | None = None) -> RuleSet:
    """Compile the rules a site's settings ask for, failing with the setting named."""
    try:
        return compile_rules(settings, author)
    except ValueError as err:
        raise CruftSettingError(f"{err} (in pelicanconf.py or publishconf.py)") from None
