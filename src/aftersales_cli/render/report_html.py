"""A report as one self-contained HTML page, to mail or print.

No network requests at all: the style is inline, the charts are inline SVG, fonts are the
system's. Every piece of text goes through `html.escape` — org and customer names are
typed in by customers and staff.
"""

from __future__ import annotations

import html
import math
import unicodedata
from collections.abc import Sequence
from datetime import datetime

from aftersales_cli.clock import local_zone
from aftersales_cli.render.blocks import show_yuan
from aftersales_cli.render.cells import width
from aftersales_cli.render.report_tables import ReportTable, Value, formatted, tables
from aftersales_cli.reports.period import Period
from aftersales_cli.reports.report import Report

MET = {True: ("met", "✔ met"), False: ("missed", "✘ missed")}
KEEP_ROWS = 24  # a table this short is kept on one printed page
NOWRAP_WIDTH = 24  # a cell this narrow (CJK counted two) is never wrapped
BAR_W, ROW_H, BAR_H = 400, 22, 14  # horizontal bar chart: width, row and bar height (px)
COL_W, COL_H = 940, 160  # column chart: width, height of the plot (px)

FONTS = (
    '-apple-system, BlinkMacSystemFont, "Segoe UI", "PingFang SC", "Hiragino Sans GB", '
    '"Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", '
    'Roboto, "Helvetica Neue", Arial, sans-serif'
)

STYLE = f"""
:root {{
  --ink: #1f2933; --muted: #5f6b7a; --line: #dde2e8; --soft: #f4f6f8;
  --accent: #2f5f8f; --met: #2e7d32; --met-bg: #e8f3e9; --missed: #c62828;
  --missed-bg: #fbeaea;
}}
* {{ box-sizing: border-box; }}
html {{ -webkit-print-color-adjust: exact; print-color-adjust: exact; }}
body {{ margin: 0; background: #fff; color: var(--ink); font: 14px/1.45 {FONTS}; }}
main {{ max-width: 1000px; margin: 0 auto; padding: 32px 28px 40px; }}
header {{ border-bottom: 3px solid var(--accent); padding-bottom: 10px; margin-bottom: 18px; }}
h1 {{ font-size: 24px; font-weight: 600; margin: 0 0 4px; }}
h1 .label {{ color: var(--accent); }}
.meta {{ color: var(--muted); margin: 0; }}
h2 {{ font-size: 16px; font-weight: 600; margin: 26px 0 10px; padding-bottom: 4px;
  border-bottom: 1px solid var(--line); }}
.stats {{ display: grid; grid-template-columns: repeat(4, 1fr); gap: 10px; }}
.stat {{ background: var(--soft); border-radius: 6px; padding: 8px 12px; }}
.stat .k {{ font-size: 12px; color: var(--muted); }}
.stat .v {{ font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; }}
.stat .s {{ font-size: 12px; color: var(--muted); }}
.kpis {{ display: grid; grid-template-columns: repeat(3, 1fr); gap: 10px; }}
.kpi {{ border: 1px solid var(--line); border-left: 4px solid #b8c2cc; border-radius: 6px;
  padding: 8px 12px; }}
.kpi.met {{ border-left-color: var(--met); }}
.kpi.missed {{ border-left-color: var(--missed); }}
.kpi .name {{ font-size: 12.5px; color: var(--muted); }}
.kpi .value {{ font-size: 24px; font-weight: 600; font-variant-numeric: tabular-nums; }}
.badge {{ display: inline-block; font-size: 12px; font-weight: 600; line-height: 1.5;
  padding: 0 8px; border-radius: 10px; border: 1px solid currentColor; margin-left: 8px;
  vertical-align: 4px; color: var(--muted); }}
.badge.met {{ color: var(--met); background: var(--met-bg); }}
.badge.missed {{ color: var(--missed); background: var(--missed-bg); }}
.kpi dl {{ display: grid; grid-template-columns: auto 1fr; gap: 0 10px; margin: 4px 0 0;
  font-size: 12.5px; font-variant-numeric: tabular-nums; }}
.kpi dt {{ color: var(--muted); }}
.kpi dd {{ margin: 0; }}
.basis {{ font-size: 12px; color: var(--muted); margin: 4px 0 0; }}
table {{ border-collapse: collapse; width: 100%; font-size: 13px; }}
th, td {{ padding: 3px 8px; text-align: left; vertical-align: top;
  border-bottom: 1px solid var(--line); }}
th {{ font-size: 12px; font-weight: 600; color: var(--muted); white-space: nowrap;
  border-bottom: 1.5px solid #a9b3bf; }}
.num {{ text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }}
td {{ word-break: keep-all; overflow-wrap: break-word; }}
td.nw {{ white-space: nowrap; }}
tbody tr:nth-child(even) td {{ background: #f9fafb; }}
.pair {{ display: grid; grid-template-columns: minmax(0, {BAR_W}px) minmax(0, 1fr);
  gap: 12px 24px; align-items: start; }}
@media screen and (max-width: 760px) {{
  .pair, .kpis, .stats {{ grid-template-columns: minmax(0, 1fr); }}
}}
figure {{ margin: 0 0 8px; }}
svg {{ display: block; max-width: 100%; height: auto; }}
svg text {{ font-size: 12px; fill: var(--ink); }}
svg .tick {{ fill: var(--muted); font-size: 11px; }}
svg .bar {{ fill: var(--accent); }}
svg .axis {{ stroke: #a9b3bf; stroke-width: 1; }}
.nothing {{ color: var(--muted); margin: 0; }}
section.empty h2 {{ margin: 16px 0 4px; font-size: 14px; }}
footer {{ margin-top: 28px; padding-top: 8px; border-top: 1px solid var(--line);
  color: var(--muted); font-size: 12px; }}
@page {{ size: A4; margin: 14mm 12mm; }}
@media print {{
  body {{ font-size: 11pt; }}
  main {{ max-width: none; padding: 0; }}
  h2 {{ break-after: avoid; page-break-after: avoid; }}
  .keep, figure, .kpi, .stat, tr {{ break-inside: avoid; page-break-inside: avoid; }}
  .end {{ break-inside: avoid; page-break-inside: avoid; }}
  footer {{ margin-top: 12px; break-before: avoid; page-break-before: avoid; }}
  thead {{ display: table-header-group; }}
  .kpis {{ gap: 6px; }}
  table {{ font-size: 9.5pt; }}
}}
"""


def e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _text_width(text: str, size: float = 12.0) -> float:
    """Roughly how wide `text` is drawn: CJK one em, the rest about 0.6 em."""
    wide = sum(1 for ch in text if unicodedata.east_asian_width(ch) in ("W", "F"))
    return (wide + 0.6 * (len(text) - wide)) * size


def _clip(text: str, width: float) -> str:
    if _text_width(text) <= width:
        return text
    while text and _text_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


def _number(value: Value) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0.0
    return float(value) if math.isfinite(value) else 0.0


def _numeric_columns(table: ReportTable) -> set[int]:
    return {
        i
        for i in range(1, len(table.columns))  # the first column names the row
        if any(isinstance(r[i], int | float) and not isinstance(r[i], bool) for r in table.rows)
    }


def _fmt_num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


# --- charts ---------------------------------------------------------------------------


def _chart_values(table: ReportTable) -> tuple[list[str], list[str], list[float]]:
    """A charted table's labels, its charted column as shown, and as numbers."""
    assert table.chart is not None
    cells = formatted(table)
    labels = [c[0] for c in cells]
    shown = [c[table.chart] for c in cells]
    return labels, shown, [_number(r[table.chart]) for r in table.rows]


def bar_chart(table: ReportTable) -> str:
    """Horizontal bars: labels left, bars proportional to the charted column, the value
    printed at the bar end."""
    labels, shown, values = _chart_values(table)
    largest = max(values, default=0.0)
    label_w = min(max((_text_width(t) for t in labels), default=0.0), 210.0)
    value_w = max((_text_width(t) for t in shown), default=0.0) + 10
    x0 = label_w + 10
    span = BAR_W - x0 - value_w
    height = ROW_H * len(values) + 6
    out = [
        f'<svg width="{BAR_W}" height="{height}" '
        f'viewBox="0 0 {BAR_W} {height}" role="img" aria-label="{e(table.title)}">',
        f"<title>{e(table.title)}</title>",
    ]
    for i, (label, text, value) in enumerate(zip(labels, shown, values, strict=True)):
        y = 3 + i * ROW_H
        mid = y + ROW_H / 2
        length = value / largest * span if largest > 0 and value > 0 else 0.0
        out.append(
            f'<text x="{_fmt_num(label_w)}" y="{_fmt_num(mid)}" dy="0.35em" '
            f'text-anchor="end"><title>{e(label)}</title>{e(_clip(label, label_w))}</text>'
        )
        if length > 0:
            out.append(
                f'<rect class="bar" x="{_fmt_num(x0)}" y="{_fmt_num(mid - BAR_H / 2)}" '
                f'width="{_fmt_num(max(length, 1.5))}" height="{BAR_H}" rx="2"/>'
            )
        out.append(
            f'<text class="tick" x="{_fmt_num(x0 + length + 5)}" y="{_fmt_num(mid)}" '
            f'dy="0.35em">{e(text)}</text>'
        )
    out.append(f'<line class="axis" x1="{_fmt_num(x0)}" y1="0" x2="{_fmt_num(x0)}" y2="{height}"/>')
    out.append("</svg>")
    return "".join(out)


def column_chart(table: ReportTable) -> str:
    """Vertical columns over time, the value on top, the label (split at its space into
    two lines) below; labels are thinned out when they would overlap."""
    labels, shown, values = _chart_values(table)
    largest = max(values, default=0.0)
    n = max(len(values), 1)
    left, right, top, bottom = 8.0, 8.0, 18.0, 36.0
    slot = (COL_W - left - right) / n
    widest = max((max(_text_width(p, 11) for p in t.split(" ")) for t in labels), default=0.0)
    every = max(1, math.ceil((widest + 6) / slot))
    base = top + COL_H
    height = base + bottom
    out = [
        f'<svg width="{COL_W}" height="{_fmt_num(height)}" '
        f'viewBox="0 0 {COL_W} {_fmt_num(height)}" role="img" aria-label="{e(table.title)}">',
        f"<title>{e(table.title)}</title>",
    ]
    for i, (label, text, value) in enumerate(zip(labels, shown, values, strict=True)):
        cx = left + slot * (i + 0.5)
        h = value / largest * COL_H if largest > 0 and value > 0 else 0.0
        w = min(slot * 0.66, 48.0)
        if h > 0:
            out.append(
                f'<rect class="bar" x="{_fmt_num(cx - w / 2)}" y="{_fmt_num(base - h)}" '
                f'width="{_fmt_num(w)}" height="{_fmt_num(h)}" rx="2">'
                f"<title>{e(label)}: {e(text)}</title></rect>"
            )
        if _text_width(text, 11) < slot - 2 or value > 0:
            out.append(
                f'<text class="tick" x="{_fmt_num(cx)}" y="{_fmt_num(base - h - 5)}" '
                f'text-anchor="middle">{e(text)}</text>'
            )
        if i % every == 0:
            lines = label.split(" ", 1)
            spans = "".join(
                f'<tspan x="{_fmt_num(cx)}" dy="{"0" if j == 0 else "1.2em"}">{e(part)}</tspan>'
                for j, part in enumerate(lines)
            )
            out.append(
                f'<text class="tick" x="{_fmt_num(cx)}" y="{_fmt_num(base + 15)}" '
                f'text-anchor="middle">{spans}</text>'
            )
    out.append(
        f'<line class="axis" x1="{left}" y1="{_fmt_num(base)}" '
        f'x2="{_fmt_num(COL_W - right)}" y2="{_fmt_num(base)}"/>'
    )
    out.append("</svg>")
    return "".join(out)


# --- tables -----------------------------------------------------------------------------


def html_table(table: ReportTable) -> str:
    """A table; its cells wrap only between words (`keep-all`: never inside 订单录入), and
    short ones not at all (a time, a label: `nw`)."""
    numeric = _numeric_columns(table)

    def cls(i: int) -> str:
        return ' class="num"' if i in numeric else ""

    def cell(i: int, text: str) -> str:
        if i in numeric:
            return f'<td class="num">{e(text)}</td>'
        return (
            f'<td class="nw">{e(text)}</td>'
            if width(text) <= NOWRAP_WIDTH
            else f"<td>{e(text)}</td>"
        )

    head = "".join(f"<th{cls(i)}>{e(c)}</th>" for i, c in enumerate(table.names))
    body = "".join(
        "<tr>" + "".join(cell(i, c) for i, c in enumerate(row)) + "</tr>"
        for row in formatted(table)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _section(table: ReportTable) -> str:
    title = f"<h2>{e(table.title)}</h2>"
    if not table.rows:
        return (
            f'<section class="empty keep" id="{e(table.name)}">{title}'
            '<p class="nothing">None in this period.</p></section>'
        )
    keep = " keep" if len(table.rows) <= KEEP_ROWS else ""
    if table.chart is None:
        body = html_table(table)
    elif table.name == "trend":
        body = f"<figure>{column_chart(table)}</figure>{html_table(table)}"
    else:
        body = f'<div class="pair"><figure>{bar_chart(table)}</figure>{html_table(table)}</div>'
    return f'<section class="table{keep}" id="{e(table.name)}">{title}{body}</section>'


def _kpi_section(table: ReportTable, previous_label: str) -> str:
    col = {c: i for i, c in enumerate(table.names)}
    cards = []
    for r, row in enumerate(table.rows):
        value, met = row[col["value"]], row[col["met"]]
        if isinstance(met, bool):
            kind, status = MET[met]
        else:
            kind, status = "neutral", ("no target" if value is not None else "no data")

        def cell(name: str, r: int = r, row: Sequence[Value] = row) -> str:
            return e(table.format(r, row, col[name]))

        cards.append(
            f'<div class="kpi {kind}"><div class="name">{e(row[0])}</div>'
            f'<div class="value">{cell("value")}<span class="badge {kind}">{e(status)}</span>'
            f"</div><dl><dt>target</dt><dd>{cell('target')}</dd>"
            f"<dt>previous</dt><dd>{cell('previous')}</dd>"
            f"<dt>change</dt><dd>{cell('delta')}</dd></dl>"
            f'<p class="basis">{cell("basis")}</p></div>'
        )
    return (
        f'<section class="keep" id="{e(table.name)}"><h2>{e(table.title)}</h2>'
        f'<div class="kpis">{"".join(cards)}</div>'
        f'<p class="basis">Previous period: {e(previous_label)}. Changes of rates are in '
        "percentage points (pp).</p></section>"
    )


# --- page -------------------------------------------------------------------------------


def _offset(moment: datetime) -> str:
    raw = moment.strftime("%z")
    return f"UTC{raw[:3]}:{raw[3:]}" if raw else "local time"


def period_text(period: Period) -> str:
    """`2026-10-01 – 2026-12-31 (UTC+08:00)`: the end is exclusive, so a period ending at
    midnight is shown up to the day before."""
    start, end = period.start, period.end
    if start.time() == end.time() == datetime.min.time():
        span = f"{start.date()} – {period.last_day}"
    else:
        span = f"{start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M}"
    return f"{span} ({_offset(start)})"


def render_html(report: Report) -> str:
    period, previous = report.period, report.previous
    label = period.label
    generated = f"{report.generated_at.astimezone(local_zone()):%Y-%m-%d %H:%M}"
    title = f"After-sales report 售后报告 {label}"
    stats = [
        (
            "Complaints received",
            str(report.total),
            f"{previous.period.label}: {previous.total}",
        ),
        ("Penalties and staff fines", show_yuan(report.penalties_total), "this period"),
        ("Compensation paid", show_yuan(report.compensation_total), "this period"),
        ("Statutory suggested", show_yuan(report.statutory_total), "Food Safety Law art. 148"),
    ]
    parts = [
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{e(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n",
        f'<header><h1>After-sales report 售后报告 <span class="label">{e(label)}</span></h1>'
        f'<p class="meta">Period {e(period_text(period))} · generated '
        f"{e(generated)}</p></header>\n",
        '<div class="stats keep">'
        + "".join(
            f'<div class="stat"><div class="k">{e(k)}</div><div class="v">{e(v)}</div>'
            f'<div class="s">{e(s)}</div></div>'
            for k, v, s in stats
        )
        + "</div>\n",
    ]
    sections = [
        _kpi_section(t, previous.period.label) if t.name == "kpis" else _section(t)
        for t in tables(report)
    ]
    parts.extend(f"{section}\n" for section in sections[:-1])
    # printed, the footer never stands alone on the last page: it is one block with the
    # last table
    parts.append(
        f'<div class="end">{sections[-1]}\n'
        f"<footer>aftersales-cli · {e(title)} · {e(period_text(period))} · generated "
        f"{e(generated)}</footer></div>\n</main>\n</body>\n</html>\n"
    )
    return "".join(parts)
