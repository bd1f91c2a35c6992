"""Who listens to Pelican's signals: the engine shares work, keeps articles and
settles URLs only while no other plugin would notice (see README.md)."""

from __future__ import annotations

import weakref

from pelican import signals


def listeners(sent) -> list:
    """The functions connected to a Pelican signal (blinker keeps most as weak references)."""
    found = []
    for receiver in list(sent.receivers.values()):
        target = receiver() if isinstance(receiver, weakref.ref) else receiver
        if target is not None:
            found.append(target)
    return found


def describe_listener(receiver) -> str:
    module = getattr(receiver, "__module__", None) or type(receiver).__module__
    return f"{module}.{getattr(receiver, '__qualname__', type(receiver).__qualname__)}"


# The signals sent for each article while the articles generator writes.
PER_ARTICLE_WRITE = (signals.article_generator_write_article, signals.article_writer_finalized)

# Every signal Pelican sends while pages and feeds are written.
WHILE_WRITING = (
    *PER_ARTICLE_WRITE,
    signals.page_generator_write_page,
    signals.page_writer_finalized,
    signals.content_written,
    signals.feed_generated,
    signals.feed_written,
)


def other_listener(own_receivers, sent_signals=PER_ARTICLE_WRITE) -> str | None:
    """A plugin listening to one of `sent_signals` (by default, those only the main
    process can honour), if any."""
    for sent in sent_signals:
        for receiver in listeners(sent):
            if receiver not in own_receivers:
                return f"{describe_listener(receiver)} listens to {sent.name}"
    return None
