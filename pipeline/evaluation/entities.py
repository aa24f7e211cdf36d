"""Entity evaluation against the stand-off gold sets ``corpus/labels/entities_{zh,en}.jsonl``.

Gold format (one JSON record per passage): ``id``, ``source`` (path relative to ``../shared``),
``sha256`` (of that file), ``start``/``end`` (the passage's character offsets in the file decoded as
UTF-8 without BOM), ``split`` (``train``|``dev``, fixed by passage before any tuning) and ``entities``:
``[{"start", "end", "label"}]`` with offsets RELATIVE TO THE PASSAGE. Every entity of our labels in a
passage is marked, so precision can be measured.

Annotation guidelines (written before the system was run on the passages):
- ORG: named government bodies, legislatures and their committees, agencies, offices, parties,
  international organisations (国务院, 科技部, Congress, Office of Science and Technology Policy); roles
  ("Secretary of Energy", 国家主席) and generic or defined terms ("the Coordination Office", 财政部门,
  国家出口管制管理部门) are not; 国务院 inside 国务院科学技术行政部门 is.
- GPE: countries, regions, provinces, cities, named economic regions (京津冀, 珠三角, Silicon Valley);
  我国 counts. Adjectives (American, Chinese) do not.
- LAW: named laws, acts, regulations, treaties (without 《》); PROGRAMME: named plans, strategies,
  programmes, initiatives, funds and national awards (“十四五”规划, 创新驱动发展战略, American Jobs Plan).
- TECH: a named technology field or class of technical system (量子通信, 集成电路, artificial
  intelligence, semiconductors, quantum networking). Sciences, industries and economies (生命科学,
  低空经济, 数字经济, cybersecurity as a policy area) are not. Chinese spans are the whole compound as
  written (核电技术); English spans drop generic heads (technology/research/infrastructure/systems) and
  free modifiers ("measurably secure semiconductors" → semiconductors).
- COMPANY, INSTITUTE: named firms; universities, academies, named laboratories.
- MONEY (number + currency), PERCENT (incl. 个百分点 / percentage points), DATE (day or month, with or
  without year; 2023年底), YEAR (a year, year range, fiscal year(s), a Five-Year-Plan period),
  QUANTITY (number + physical unit or qubits; counts of people or things are not).

The finder runs on the raw passage text (no normalisation), so offsets compare directly. Matching is
exact on ``(start, end, label)``; a boundary-tolerant score (overlap + same label) is reported beside.
"""
from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Iterable

from ..resources import corpus_path, load_standoff

log = logging.getLogger(__name__)

LANGS = ("zh", "en")


def gold_path(lang: str) -> Path:
    return corpus_path("labels", f"entities_{lang}.jsonl")


def load_gold(lang: str, split: str = "dev") -> list[dict]:
    """Passages of one language (``split`` train|dev|all) with ``text`` filled from ``../shared``."""
    recs = list(load_standoff(gold_path(lang)))
    return [r for r in recs if split == "all" or r.get("split") == split]


def _prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f, "tp": tp, "fp": fp, "fn": fn, "support": tp + fn}


def score(gold: Iterable[tuple], pred: Iterable[tuple]) -> dict:
    """Per-label and micro P/R/F1 for sets of ``(passage, start, end, label)``."""
    gold, pred = set(gold), set(pred)
    labels = sorted({g[3] for g in gold} | {p[3] for p in pred})
    per = {}
    for lab in labels:
        g = {x for x in gold if x[3] == lab}
        p = {x for x in pred if x[3] == lab}
        per[lab] = _prf(len(g & p), len(p - g), len(g - p))
    overall = _prf(len(gold & pred), len(pred - gold), len(gold - pred))
    return {"labels": per, "overall": overall}


def _loose(gold: set, pred: set) -> dict:
    def hit(x, others):
        return any(o[0] == x[0] and o[3] == x[3] and o[1] < x[2] and x[1] < o[2] for o in others)
    tp_p = sum(hit(p, gold) for p in pred)
    tp_g = sum(hit(g, pred) for g in gold)
    p = tp_p / len(pred) if pred else 0.0
    r = tp_g / len(gold) if gold else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def evaluate_lang(lang: str, split: str = "dev", finder=None) -> dict:
    from ..tag.entities import EntityFinder

    finder = finder or EntityFinder()
    finder.gazetteer  # load before timing
    recs = load_gold(lang, split)
    gold, pred, texts = set(), set(), {}
    n_chars, n_ents, elapsed = 0, 0, 0.0
    for rec in recs:
        text, pid = rec["text"], rec["id"]
        for e in rec["entities"]:
            gold.add((pid, e["start"], e["end"], e["label"]))
        t0 = time.perf_counter()
        found = finder.find(text)
        elapsed += time.perf_counter() - t0
        n_chars += len(text)
        n_ents += len(found)
        for e in found:
            pred.add((pid, e.start, e.end, e.label))
        texts[pid] = text
    errors = [(kind, x[0], x[3], texts[x[0]][x[1]:x[2]])
              for kind, items in (("FP", pred - gold), ("FN", gold - pred)) for x in sorted(items)]
    result = score(gold, pred)
    result.update(lang=lang, split=split, passages=len(recs), chars=n_chars, found=n_ents,
                  seconds=elapsed, loose=_loose(gold, pred), errors=errors)
    return result


def speed(lang: str, finder=None, repeat: int = 20) -> dict:
    """Entities/s and chars/s of ``find`` over all gold passages of a language, repeated."""
    from ..tag.entities import EntityFinder

    finder = finder or EntityFinder()
    texts = [r["text"] for r in load_gold(lang, "all")]
    finder.find(texts[0] if texts else "")
    n_ents = n_chars = 0
    t0 = time.perf_counter()
    for _ in range(repeat):
        for t in texts:
            n_ents += len(finder.find(t))
            n_chars += len(t)
    dt = time.perf_counter() - t0 or 1e-9
    return {"entities_per_s": n_ents / dt, "chars_per_s": n_chars / dt}


def evaluate_all(split: str = "dev", langs: Iterable[str] = LANGS, finder=None, with_speed: bool = True) -> dict:
    from ..tag.entities import EntityFinder

    finder = finder or EntityFinder()
    out = {}
    for lang in langs:
        res = evaluate_lang(lang, split, finder)
        if with_speed:
            res["speed"] = speed(lang, finder)
        out[lang] = res
    return out


def format_table(results: dict) -> str:
    """Per-label and overall P/R/F1 per language as a plain-text table."""
    head = ("lang", "label", "P", "R", "F1", "tp", "fp", "fn")
    rows = []
    for lang, res in results.items():
        for lab, m in sorted(res["labels"].items()):
            rows.append((lang, lab, f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['f1']:.3f}",
                         m["tp"], m["fp"], m["fn"]))
        m = res["overall"]
        rows.append((lang, "ALL (exact)", f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['f1']:.3f}",
                     m["tp"], m["fp"], m["fn"]))
        lo = res["loose"]
        rows.append((lang, "ALL (overlap)", f"{lo['precision']:.3f}", f"{lo['recall']:.3f}", f"{lo['f1']:.3f}",
                     "", "", ""))
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
    line = "  ".join("{:<%d}" % w for w in widths)
    out = [line.format(*head), line.format(*("-" * w for w in widths))]
    out += [line.format(*(str(c) for c in r)) for r in rows]
    for lang, res in results.items():
        extra = f"{lang}: split={res['split']} passages={res['passages']} chars={res['chars']}"
        if "speed" in res:
            sp = res["speed"]
            extra += f"  speed {sp['entities_per_s']:,.0f} entities/s, {sp['chars_per_s']:,.0f} chars/s"
        out.append(extra)
    return "\n".join(out)
