"""Inter-annotator agreement and the majority-of-three merge of ``corpus/labels/GUIDELINES.md``.

A relabelled set keeps three stand-off annotations under ``corpus/labels/annotators/``:
``<set>.prior.jsonl`` (the labels the set had before the pass), ``<set>.A.jsonl`` and ``<set>.B.jsonl``
(two blind annotators). A newly labelled set has no prior labels: a third blind annotator,
``<set>.C.jsonl``, takes the prior's place (its records carry the split). :func:`merge` builds the set's
label file from the three (majority per yes/no decision, per area for challenges; ties on a categorical
field go to the first of A, B, prior/C that has a value) and :func:`report` gives Cohen's kappa between
the annotators.

    python -m pipeline.evaluation.agreement measures_en            # agreement figures
    python -m pipeline.evaluation.agreement measures_en --write    # rebuild corpus/labels/measures_en.jsonl
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Optional

from sklearn.metrics import cohen_kappa_score

from ..errors import ResourceError
from ..resources import corpus_path, iter_jsonl

AREAS = tuple(f"C{i}" for i in range(1, 8))
ANNOTATORS = ("A", "B", "prior")  # tie order for categorical fields; "C" replaces "prior" in a new set
MEASURE_FIELDS = ("instrument", "subtool", "action", "status", "amount", "currency", "year")
KEY = ("source", "start", "end")


def annotator_path(name: str, who: str) -> Path:
    return corpus_path("labels", "annotators", f"{name}.{who}.jsonl")


def _key(rec: dict) -> tuple:
    return tuple(rec[k] for k in KEY)


def voters(name: str) -> tuple[str, str, str]:
    """The three voters of set ``name``: A, B and the prior labels, or A, B, C for a newly labelled set."""
    has_c, has_prior = annotator_path(name, "C").is_file(), annotator_path(name, "prior").is_file()
    if has_c and has_prior:
        raise ResourceError(f"{name}: both prior labels and a third annotator (C); a set has one or the other")
    return ("A", "B", "C") if has_c else ANNOTATORS


def _third(ann: dict) -> str:
    return "C" if "C" in ann else "prior"


def load_annotations(name: str) -> dict[str, dict[tuple, dict]]:
    """``{who: {(source, start, end): record}}``; the three files must cover the same records."""
    out = {}
    for who in voters(name):
        path = annotator_path(name, who)
        if not path.is_file():
            raise ResourceError(f"{path} is missing: the set {name!r} has no three-way annotation")
        out[who] = {_key(r): r for r in iter_jsonl(path)}
    third = _third(out)
    if third == "C" and any(r.get("split") not in ("train", "dev") for r in out["C"].values()):
        raise ResourceError(f"{annotator_path(name, 'C')}: every record of a new set needs its split (train|dev)")
    keys = set(out[third])
    for who in ("A", "B"):
        if set(out[who]) != keys:
            raise ResourceError(f"{annotator_path(name, who)} does not cover the same records as "
                                f"{annotator_path(name, third).name} ({len(set(out[who]) ^ keys)} differ)")
    return out


def _vote(values: list) -> Optional[object]:
    """The most common value, "none" (null) included — two annotators who see no amount outvote one who
    does; ties go to the first voter (values come in ANNOTATORS order)."""
    if not values:
        return None
    counts = Counter(values)
    best = max(counts.values())
    return next(v for v in values if counts[v] == best)


def merge_measure(votes: list[dict]) -> dict:
    """One record from A, B, prior (in that order): measure by majority, fields from the yes-voters."""
    yes = [v for v in votes if v.get("measure")]
    out = {"measure": len(yes) >= 2}
    for field in MEASURE_FIELDS:
        out[field] = _vote([v.get(field) for v in yes]) if out["measure"] else None
    prior = votes[-1]
    out["actor"] = prior.get("actor") if out["measure"] and prior.get("measure") else None
    return out


def merge_challenge(votes: list[dict]) -> dict:
    areas = [a for a in AREAS if sum(a in (v.get("areas") or ()) for v in votes) >= 2]
    stance = _vote([v.get("stance") for v in votes if v.get("areas")]) if areas else None
    return {"areas": areas, "stance": stance}


def merge(name: str, ann: Optional[dict] = None) -> list[dict]:
    """The label records of set ``name`` (e.g. ``measures_en``) by the majority of three, in the order of
    the prior (or C) file (``ann``: the annotations when already loaded)."""
    ann = ann if ann is not None else load_annotations(name)
    combine = merge_measure if name.startswith("measures") else merge_challenge
    third = _third(ann)
    out = []
    for key, prior in ann[third].items():
        labels = combine([ann["A"][key], ann["B"][key], prior])
        keep = {k: prior[k] for k in ("source", "sha256", "start", "end", "split") if k in prior}
        if "lang" in prior:
            keep["lang"] = prior["lang"]
        out.append({**keep, **labels})
    return out


def _decisions(name: str, rec: dict) -> list[bool]:
    if name.startswith("measures"):
        return [bool(rec.get("measure"))]
    return [a in (rec.get("areas") or ()) for a in AREAS]


def report(name: str, ann: Optional[dict] = None, merged: Optional[list[dict]] = None) -> dict:
    """Cohen's kappa on the yes/no decisions: A–B, and each annotator against the merged labels."""
    ann = ann if ann is not None else load_annotations(name)
    merged = merged if merged is not None else merge(name, ann)
    third = _third(ann)
    keys = list(ann[third])
    votes = {who: [_decisions(name, ann[who][k]) for k in keys] for who in ("A", "B", third)}
    votes["merged"] = [_decisions(name, r) for r in merged]  # merge keeps the prior's order
    n_dec = len(votes["merged"][0])

    def kappa(x: str, y: str) -> dict:
        cols = [([row[i] for row in votes[x]], [row[i] for row in votes[y]]) for i in range(n_dec)]
        per = [cohen_kappa_score(a, b) for a, b in cols]
        agree = sum(u == v for a, b in cols for u, v in zip(a, b))
        return {"kappa": sum(per) / n_dec, "per_decision": None if n_dec == 1 else dict(zip(AREAS, per)),
                "raw_agreement": agree / (n_dec * len(keys))}

    pairs = (("A", "B"), ("A", "merged"), ("B", "merged"), (third, "merged"), (third, "A"), (third, "B"))
    out = {"set": name, "records": len(keys), **{f"{x}_vs_{y}": kappa(x, y) for x, y in pairs}}
    if third == "prior":
        changed = [k for k, old, new in zip(keys, votes["prior"], votes["merged"]) if old != new]
        out.update(changed_by_merge=len(changed), changed_by_split=dict(Counter(ann["prior"][k].get("split")
                                                                                  for k in changed)))
    return out


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description="agreement of a three-way annotation; rebuild its label file")
    ap.add_argument("name", help="label set, e.g. measures_en or challenges_en")
    ap.add_argument("--write", action="store_true", help="rewrite corpus/labels/<name>.jsonl from the majority")
    args = ap.parse_args(argv)
    ann = load_annotations(args.name)
    merged = merge(args.name, ann)
    json.dump(report(args.name, ann, merged), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    if args.write:
        with open(corpus_path("labels", f"{args.name}.jsonl"), "w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(rec, ensure_ascii=False) + "\n" for rec in merged)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
