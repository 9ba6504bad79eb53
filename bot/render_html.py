"""Replies as HTML: Telegram's small tag set, or the fuller HTML Matrix clients show.

Every piece of text is escaped here and only here, so a statement that contains
`<`, `&` or something that looks like a tag is always shown as text.
"""

from __future__ import annotations

from html import escape

from bot.reply import Items, Line, Link, Reply, Span

_TAGS = {"bold": "b", "italic": "i", "code": "code"}


def span_html(span: Span) -> str:
    if isinstance(span, Link):
        return f'<a href="{escape(span.url, quote=True)}">{escape(span.text, quote=False)}</a>'
    text = escape(span.text, quote=False)
    tag = _TAGS.get(span.style)
    return f"<{tag}>{text}</{tag}>" if tag else text


def line_html(line: Line) -> str:
    return "".join(span_html(span) for span in line.spans)


def telegram_html(reply: Reply) -> str:
    """Telegram has no paragraphs or lists: blank lines and bullets stand in for them."""
    return "\n\n".join(
        "\n".join(f"• {line_html(item)}" for item in block.lines)
        if isinstance(block, Items)
        else line_html(block)
        for block in reply.blocks
    )


def matrix_html(reply: Reply) -> str:
    """Matrix's formatted_body: paragraphs and lists as HTML."""
    return "".join(
        "<ul>" + "".join(f"<li>{line_html(item)}</li>" for item in block.lines) + "</ul>"
        if isinstance(block, Items)
        else f"<p>{line_html(block)}</p>"
        for block in reply.blocks
    )
