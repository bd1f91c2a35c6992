"""The import report: one entry per file and per post, and the totals per format.

Printed by `format_report` for the terminal; written as JSON by the command
line (`{"files": [...], "totals": totals(reports)}`).
"""

from __future__ import annotations

from .model import FileReport


def format_report(reports: list[FileReport]) -> str:
    """Render the reports for a terminal."""
    out = []
    for r in reports:
        out.append(f"{r.source}: {r.status}" + (f" -> {r.output}" if r.output else ""))
        if r.error:
            out.append(f"  error: {r.error}")
        for key, value in r.metadata.items():
            if key != "summary":
                out.append(f"  {key}: {', '.join(value) if isinstance(value, list) else value}")
        if r.missing:
            out.append(f"  missing: {', '.join(r.missing)}")
        if r.unknown_tags:
            out.append(f"  unknown tags (not in the taxonomy): {', '.join(r.unknown_tags)}")
        for item in r.removed:
            out.append(f"  removed [{item['rule']}]: {item['text'][:100]}")
        for image in r.images:
            kept = f" -> {image['file']}" if image.get("file") else ""
            out.append(
                f"  image: {image['src']}{kept}"
                + (f" ({image['error']})" if image.get("error") else "")
            )
        for link in r.links:
            out.append(f"  link: {link['from']} -> {link['to']} ({link['why']})")
        for note in r.notes:
            out.append(f"  note: {note}")
    ok = sum(r.status in ("imported", "unchanged") for r in reports)
    total = sum(r.status != "split" for r in reports)
    out.append(f"{ok} of {total} file(s) imported")
    by_format = totals(reports)
    if by_format:
        out.append(
            "; ".join(
                f"{name}: {t['articles']} article(s), {t['pages']} page(s) imported, "
                f"{t['failed']} failed" + (f", {t['skipped']} skipped" if t["skipped"] else "")
                for name, t in by_format.items()
            )
        )
    return "\n".join(out)


def totals(reports: list[FileReport]) -> dict[str, dict[str, int]]:
    """Posts imported (or already there), failed and skipped, per input format."""
    found: dict[str, dict[str, int]] = {}
    for r in reports:
        if r.format is None or r.status == "ignored":
            continue
        counts = found.setdefault(
            r.format, dict.fromkeys(("articles", "pages", "failed", "skipped"), 0)
        )
        if r.status in ("imported", "unchanged"):
            counts["pages" if r.metadata.get("kind") == "page" else "articles"] += 1
        elif r.status in ("failed", "incomplete"):
            counts["failed"] += 1
        elif r.status == "skipped":
            counts["skipped"] += 1
    return dict(sorted(found.items()))
