"""The safe markup people may write in crisis texts and Kunskapsbanken answers.

Plain text only: blank lines make paragraphs, lines starting "1. ", "2. " … make
numbered steps, and `[label](https://…)` or a bare https:// address makes a link.
Everything else is escaped: no HTML typed by anyone ever reaches a page or a feed.
"""
import re

from markupsafe import Markup, escape

# [label](https://…) or a bare https:// address; nothing else becomes markup.
LINK_PATTERN = re.compile(r"\[([^\]\n]{1,200})\]\((https?://[^\s)]{1,500})\)|(https?://[^\s<]{1,500}[^\s<.,;:!?)])")
STEP_PATTERN = re.compile(r"^\s*\d{1,3}[.)]\s+(.*)$")


def unix_newlines(text):
    """Bodies typed in a browser arrive with CR LF; feeds and plain-text channels want LF only."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def body_html(text):
    """Paragraphs, numbered steps and links from plain text; everything else escaped (no raw HTML ever)."""
    text = unix_newlines(text)
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    return Markup("").join(_block(p) for p in paragraphs)


def _block(paragraph):
    lines = paragraph.split("\n")
    steps = [STEP_PATTERN.match(line) for line in lines]
    # A list only when every line is a step, so a sentence that happens to start with "2024." stays a sentence.
    if len(lines) > 1 and all(steps):
        return Markup("<ol>{}</ol>").format(Markup("").join(Markup("<li>{}</li>").format(_linkify(step.group(1)))
                                                            for step in steps))
    return Markup("<p>{}</p>").format(_linkify(paragraph))


def _linkify(paragraph):
    parts, position = [], 0
    for match in LINK_PATTERN.finditer(paragraph):
        parts.append(_escape_lines(paragraph[position:match.start()]))
        label, url = (match.group(1), match.group(2)) if match.group(2) else (match.group(3), match.group(3))
        parts.append(Markup('<a href="{}">{}</a>').format(url, label))
        position = match.end()
    parts.append(_escape_lines(paragraph[position:]))
    return Markup("").join(parts)


def _escape_lines(text):
    return Markup("<br>").join(escape(line) for line in text.split("\n"))


def plain_text(text):
    """The body for plain-text channels: links as "label (url)"."""
    return LINK_PATTERN.sub(lambda m: f"{m.group(1)} ({m.group(2)})" if m.group(2) else m.group(3),
                            unix_newlines(text).strip())
