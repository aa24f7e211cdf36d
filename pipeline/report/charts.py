"""Matplotlib charts for the report, returned as ``data:image/png;base64,...`` URIs (no network at view time)."""
from __future__ import annotations

import base64
import io
import logging
from typing import Optional

import pandas as pd

from ..explore import AREA_SHORT, INSTRUMENT_COLORS

log = logging.getLogger(__name__)

JURISDICTION_COLORS = {"CN": "#C8102E", "US": "#1F4E9C", "EU": "#F2A900", "UK": "#6A3D9A", "JP": "#4D4D4D"}
OTHER_COLORS = ("#8C564B", "#17BECF", "#BCBD22", "#7F7F7F", "#E377C2", "#2CA02C")
LANG_COLORS = {"zh": "#C8102E", "en": "#1F4E9C", "mixed": "#8C564B", "other": "#7F7F7F"}
_CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK TC", "Source Han Sans SC",
              "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Noto Serif CJK SC", "AR PL UMing CN", "SimHei")
_FONT: list[Optional[str]] = []


def cjk_font() -> Optional[str]:
    """The name of an installed CJK font for labels, or None (labels then fall back to DejaVu Sans)."""
    if not _FONT:
        from matplotlib import font_manager

        names = {f.name for f in font_manager.fontManager.ttflist}
        found = next((n for n in _CJK_FONTS if n in names), None)
        if found is None:
            log.warning("no CJK font found for chart labels; Chinese titles may show as boxes")
        _FONT.append(found)
    return _FONT[0]


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    font = cjk_font()
    plt.rcParams["font.sans-serif"] = ([font] if font else []) + ["DejaVu Sans"]
    plt.rcParams["font.family"] = "sans-serif"
    plt.rcParams["axes.unicode_minus"] = False
    return plt


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def group_color(group: str, i: int, palette: dict) -> str:
    return palette.get(group, OTHER_COLORS[i % len(OTHER_COLORS)])


def area_tick(area: str) -> str:
    return f"{area}\n{AREA_SHORT.get(area, '')}".strip()


def heatmap(mat: pd.DataFrame, labels: list[str], max_rows: int = 80) -> Optional[str]:
    """Documents × areas (share of sentences); rows labelled ``labels``; None when there is nothing."""
    if mat.empty:
        return None
    plt = _plt()
    mat = mat.iloc[:max_rows]
    labels = labels[:max_rows]
    h = max(2.2, 0.32 * len(mat) + 1.2)
    fig, ax = plt.subplots(figsize=(8.5, h))
    im = ax.imshow(mat.values, aspect="auto", cmap="YlOrRd", vmin=0, vmax=max(0.05, float(mat.values.max())))
    ax.set_xticks(range(mat.shape[1]), [area_tick(a) for a in mat.columns], fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.xaxis.tick_top()
    for i in range(mat.shape[0]):
        for j in range(mat.shape[1]):
            v = mat.values[i, j]
            if v > 0:
                ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=6.5,
                        color="white" if v > 0.6 * mat.values.max() else "black")
    fig.colorbar(im, ax=ax, fraction=0.03, pad=0.02, label="share of sentences")
    return _png(fig)


def grouped_bars(profile: pd.DataFrame, title: str, palette: dict, ylabel: str) -> Optional[str]:
    """Areas on x, one bar per group (rows of ``profile`` without ``n_docs``)."""
    if profile.empty:
        return None
    plt = _plt()
    areas = [c for c in profile.columns if c != "n_docs"]
    groups = list(profile.index)
    n = len(groups)
    width = 0.8 / max(n, 1)
    fig, ax = plt.subplots(figsize=(8.5, 3.4))
    for i, g in enumerate(groups):
        xs = [k + (i - (n - 1) / 2) * width for k in range(len(areas))]
        label = f"{g} (n={int(profile.loc[g, 'n_docs'])})" if "n_docs" in profile.columns else str(g)
        ax.bar(xs, profile.loc[g, areas].astype(float).values, width=width * 0.95,
               color=group_color(str(g), i, palette), label=label)
    ax.set_xticks(range(len(areas)), [area_tick(a) for a in areas], fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", alpha=0.3)
    return _png(fig)


def fold_small_groups(profile: pd.DataFrame, keep_n: int = 4, first: tuple[str, ...] = ("CN", "US"),
                      other: str = "other") -> pd.DataFrame:
    """At most ``keep_n`` groups (the ``first`` ones, then the largest), the rest and unknown ones merged
    into ``other`` (document-weighted), so the main comparison reads at a glance."""
    if profile.empty or "n_docs" not in profile.columns:
        return profile
    areas = [c for c in profile.columns if c != "n_docs"]
    known = [g for g in profile.index if str(g) not in ("", "?", "None", "unknown")]
    ranked = sorted(known, key=lambda g: (first.index(g) if g in first else len(first), -profile.loc[g, "n_docs"]))
    keep = ranked[:keep_n]
    small = [g for g in profile.index if g not in keep]
    out = profile.loc[keep]
    if small:
        n = profile.loc[small, "n_docs"].astype(float)
        row = {"n_docs": int(n.sum()), **{a: float((profile.loc[small, a] * n).sum() / n.sum()) for a in areas}}
        out = pd.concat([out, pd.DataFrame([row], index=[other])])
    return out


def instruments_by_area(measures: pd.DataFrame, areas: list[str]) -> Optional[str]:
    """Stacked bars: number of measures per area split by instrument (a measure counts in each area)."""
    if measures.empty:
        return None
    plt = _plt()
    rows = []
    for r in measures.itertuples():
        inst = r.instrument if isinstance(r.instrument, str) and r.instrument else "unknown"
        for a in (r.areas or ["none"]):
            rows.append((a, inst))
    df = pd.DataFrame(rows, columns=["area", "instrument"])
    order = [a for a in areas if a in set(df["area"])] + sorted(set(df["area"]) - set(areas))
    table = df.value_counts().unstack(fill_value=0).reindex(order).fillna(0)
    insts = [i for i in ("supply", "environment", "demand", "unknown") if i in table.columns]
    insts += [i for i in table.columns if i not in insts]
    fig, ax = plt.subplots(figsize=(8.5, 3.2))
    bottom = [0.0] * len(table)
    for inst in insts:
        vals = table[inst].astype(float).tolist()
        ax.bar(range(len(table)), vals, bottom=bottom, label=inst,
               color=INSTRUMENT_COLORS.get(inst, "#999999"))
        bottom = [b + v for b, v in zip(bottom, vals)]
    ax.set_xticks(range(len(table)), [area_tick(a) for a in table.index], fontsize=8)
    ax.set_ylabel("measures")
    ax.set_title("Policy instruments per area (Rothwell & Zegveld)", fontsize=10)
    ax.legend(fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)
