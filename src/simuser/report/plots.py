"""Inline SVG plots for the report: distributions of the simulator next to the human reference.

Plain SVG strings (no plotting library, no JavaScript), so the report opens offline and prints. Every
label is escaped here; the result is marked safe for the template.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from simuser.schema import Conversation

PALETTE = ("#2f6fdf", "#e07a1f", "#3a9d5d", "#b8468f", "#7a5cc7", "#8a8a8a")
WORD_BINS = (0, 5, 10, 15, 20, 30, 40, 60)  # words per user turn; the last bin is open-ended
MAX_TURN_BIN = 10  # user turns per conversation; the last bin is "10+"


@dataclass
class Distribution:
    label: str
    shares: list[float]  # percent per bin, summing to 100 (or all 0 when empty)


def words_per_turn(conversations: Sequence[Conversation]) -> list[float]:
    """Percent of user turns in each words-per-turn bin (see :data:`WORD_BINS`)."""
    counts = [0] * len(WORD_BINS)
    for conversation in conversations:
        for turn in conversation.user_turns:
            counts[_bin(len(turn.content.split()), WORD_BINS)] += 1
    return _percent(counts)


def turns_per_conversation(conversations: Sequence[Conversation]) -> list[float]:
    """Percent of conversations with 1, 2, ..., 10+ user turns."""
    counts = [0] * MAX_TURN_BIN
    for conversation in conversations:
        if conversation.user_turns:
            counts[min(len(conversation.user_turns), MAX_TURN_BIN) - 1] += 1
    return _percent(counts)


def word_bin_labels() -> list[str]:
    edges = list(WORD_BINS)
    return [f"{lo}-{hi - 1}" for lo, hi in zip(edges, edges[1:], strict=False)] + [f"{edges[-1]}+"]


def turn_bin_labels() -> list[str]:
    return [str(i) for i in range(1, MAX_TURN_BIN)] + [f"{MAX_TURN_BIN}+"]


def bar_chart(title: str, bin_labels: Sequence[str], series: Sequence[Distribution], x_label: str) -> Markup:
    """Grouped bars, one group per bin, one colour per series; y is percent."""
    width, height, left, bottom, top = 560, 270, 44, 42, 40
    plot_w, plot_h = width - left - 12, height - bottom - top
    peak = nice_ceiling(max([max(s.shares, default=0.0) for s in series] + [1.0]))
    group_w = plot_w / max(1, len(bin_labels))
    bar_w = group_w * 0.8 / max(1, len(series))
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
             f'<text x="{left}" y="16" class="chart-title">{escape(title)}</text>']
    parts += _axes(left, top, plot_w, plot_h, peak)
    for i, label in enumerate(bin_labels):
        x0 = left + i * group_w + group_w * 0.1
        for j, s in enumerate(series):
            value = s.shares[i] if i < len(s.shares) else 0.0
            bar_h = plot_h * value / peak
            parts.append(f'<rect x="{x0 + j * bar_w:.1f}" y="{top + plot_h - bar_h:.1f}" width="{bar_w:.1f}" '
                         f'height="{bar_h:.1f}" fill="{PALETTE[j % len(PALETTE)]}"><title>{escape(s.label)}: '
                         f'{value:.1f}% ({escape(label)})</title></rect>')
        parts.append(f'<text x="{left + (i + 0.5) * group_w:.1f}" y="{top + plot_h + 14}" class="tick" '
                     f'text-anchor="middle">{escape(label)}</text>')
    parts.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 6}" class="axis-label" text-anchor="middle">'
                 f'{escape(x_label)}</text>')
    parts += _legend(series, left, 30)
    parts.append("</svg>")
    return Markup("".join(parts))


def _axes(left: float, top: float, plot_w: float, plot_h: float, peak: float) -> list[str]:
    lines = [f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" class="axis"/>']
    for k in range(5):
        value = peak * k / 4
        y = top + plot_h - plot_h * k / 4
        lines.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" class="grid"/>')
        lines.append(f'<text x="{left - 4}" y="{y + 3:.1f}" class="tick" text-anchor="end">{value:g}%</text>')
    return lines


def _legend(series: Sequence[Distribution], left: float, y: float) -> list[str]:
    """One row above the plot, so it never covers a bar."""
    items, x = [], left
    for j, s in enumerate(series):
        label = s.label[:28]
        items.append(f'<rect x="{x:.1f}" y="{y - 9}" width="10" height="10" fill="{PALETTE[j % len(PALETTE)]}"/>')
        items.append(f'<text x="{x + 14:.1f}" y="{y}" class="legend">{escape(label)}</text>')
        x += 24 + 6.2 * len(label)
    return items


def nice_ceiling(peak: float) -> float:
    """The smallest 4 x step (step 1, 2, 2.5, 5, 7.5, 10, 12.5, 15, 20, 25) that holds ``peak``: round ticks."""
    for step in (1, 2, 2.5, 5, 7.5, 10, 12.5, 15, 20, 25):
        if 4 * step >= peak:
            return 4.0 * step
    return 100.0


def _bin(value: int, edges: Sequence[int]) -> int:
    for index in range(len(edges) - 1, -1, -1):
        if value >= edges[index]:
            return index
    return 0


def _percent(counts: list[int]) -> list[float]:
    total = sum(counts)
    return [100.0 * c / total if total else 0.0 for c in counts]
