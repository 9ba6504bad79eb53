"""Replies as plain text, for the terminal and for platforms' plain-text fallbacks."""

from __future__ import annotations

from bot.reply import Items, Line, Link, Reply, Span


def span_text(span: Span) -> str:
    if isinstance(span, Link):
        return f"{span.text} <{span.url}>" if span.url != span.text else span.url
    return span.text


def line_text(line: Line) -> str:
    return "".join(span_text(span) for span in line.spans)


def render_plain(reply: Reply) -> str:
    parts: list[str] = []
    for block in reply.blocks:
        if isinstance(block, Items):
            parts.append("\n".join(f"• {line_text(item)}" for item in block.lines))
        else:
            parts.append(line_text(block))
    if reply.buttons:
        parts.append(
            "\n".join(
                "   ".join(f"[{button.label}: {button.command}]" for button in row)
                for row in reply.buttons
            )
        )
    return "\n\n".join(parts)
