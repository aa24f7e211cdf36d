"""Features of the learned measure layer: the rules' cues plus cheap n-grams, hashed into one sparse space.

Per sentence (a ``detect.SentenceView``) the bag of string features holds

* the rule decision and its action/status (``r:1``, ``ra:fund``, ``rs:mandated``);
* lexicon cue hits: verb classes (``v:fund``), the first verb's class, status cues (``s:planned``), the
  negative cue (``neg``), subtool keywords (``st:talent``, ``si:supply``);
* English frames: modals (``m:shall``), negated modals, a modal followed by a lexicon verb, first-person
  commitments, descriptive openings, definition/purpose/appropriation wording;
* context: list item, heading, the lead-in status lent to an item, the zh document context, a clause
  ending in ":" or without final punctuation, a length bucket;
* n-grams: English lower-cased words with a light suffix strip, word bigrams and the first two words with
  their position; Chinese character bigrams and trigrams and the first four characters.

* POS patterns (English, from the tagged tokens production gives the stage): modal + base verb, modal +
  be + participle, "is authorized to be appropriated", a subject noun phrase or pronoun before modal + verb,
  an imperative/infinitive base verb opening the clause, a VBG list item under its lead-in, the finite
  verb's tense where no modal governs, no verb at all, the UPOS of the first three body tokens;
* entities: an organisation (agency, programme, institute) as the subject before the first verb, MONEY,
  DATE/YEAR and LAW present.

The training and the evaluation run the production stages (``context.analyse``: segment → tag →
entities) so these features are the same there as in ``pipeline.process``; the extractor tags an
untagged input itself when its model uses them.

``hash_features`` maps lists of string features to hashed CSR-like rows (numpy); ``estimators.CueHasher`` is its stateless scikit-learn transformer (training only) from lists
of string features to a CSR matrix; the same hashing at training and prediction time needs no vocabulary.
"""
from __future__ import annotations

import re
from typing import Iterable, Sequence

import numpy as np

from .lexicon import Lexicon

N_FEATURES = 1 << 18

_EN_WORD = re.compile(r"[a-z][a-z'-]*|\$|\d+")
_ZH_KEEP = re.compile(r"[\u3400-\u9fffA-Za-z0-9]+")
_MODALS = re.compile(r"\b(shall|must|will|should|may|can|could|would|need to|have to|has to|'ll)\b", re.I)
_NEG_MODAL = re.compile(r"\b(?:shall|may|must|will)\s+not\b|\bshall\s+not\s+be\s+construed\b", re.I)
_COMMIT = re.compile(r"\b(?:we|i|the government|my administration)\s+(?:will|'ll|shall|are going to|propose|"
                     r"intend|plan|have|has|are)\b|\blet'?s\b|\bi call on\b|\bour (?:plan|goal)\b", re.I)
_DESCRIPTIVE = re.compile(r"^(?:it|this|that|these|there|thanks|today|since|last year|when|but|and)\b", re.I)
_DEFINITION = re.compile(r"\bmeans\b|\bthe term\b|\bas used in\b|\breferred to\b", re.I)
_PURPOSE = re.compile(r"\bpurposes?\b|\bin order to\b|\bobjectives?\b|\bsense of congress\b|\bfinds? that\b", re.I)
_APPROP = re.compile(r"authorized to be appropriated|\bfiscal year\b", re.I)
_MONEY = re.compile(r"[$€£]\s?\d|\d\s*(?:million|billion)|亿元|万元", re.I)
_INCLUDE = re.compile(r"\b(?:shall|may) include\b|\bconsist(?:s|ing)? of\b|\bcomposed of\b|\bmembers?\b", re.I)
_ZH_CUES = {
    "zobl": re.compile(r"应当|必须|负有[^，。；]{0,12}义务"),
    "zdir": re.compile(r"应当|必须|不得|建议|要|将|鼓励|支持|应该|可以"),
    "zgov": re.compile(r"国家|政府|国务院|部门|委员会|人民政府"),
    "zres": re.compile(r"取得|成效|增长\d|下降\d|达到\d|凸显|依赖|差距|不足|缺乏|落后|处于"),
    "zdef": re.compile(r"是指|本法所称|本条例所称|本办法所称"),
    "zpur": re.compile(r"为了|为[^，。]{0,20}，制定本"),
    "zplan": re.compile(r"将|计划|力争|到20\d\d年|今年|明年"),
    "zlaw": re.compile(r"^第[一二三四五六七八九十百]+条"),
}


def _en_norm(w: str) -> str:
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 5 and w.endswith("ing"):
        return w[:-3]
    if len(w) > 4 and w.endswith("ed"):
        return w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        return w[:-1]
    return w


def cue_features(view, lex: Lexicon) -> list[str]:
    """The rule-cue features of one ``SentenceView``."""
    raw, lang = view.raw, view.lang
    f = [f"lang:{lang}"]
    if view.rule is not None:
        action, _, _, status = view.rule
        f += ["r:1", f"ra:{action}", f"rs:{status}"]
    else:
        f.append("r:0")
    if view.is_item:
        f.append("item")
        f.append(f"lead:{view.leadin}")
    if view.heading:
        f.append("heading")
    if view.context:
        f.append(f"ctx:{view.context}")
    verbs = list(lex.verbs[lang].finditer(raw))
    if verbs:
        f.append("v:any")
        first = verbs[0].group().lower()
        f.append("v1:" + lex.verb_action.get((lang, first), "infl"))
        for m in verbs[:6]:
            f.append("v:" + lex.verb_action.get((lang, m.group().lower()), "infl"))
    else:
        f.append("v:none")
    for st, rx in lex.status[lang]:
        if rx.search(raw):
            f.append("s:" + st)
    if lex.negative[lang].search(raw):
        f.append("neg")
    for name, instrument, pats in lex.subtools:
        rx = pats.get(lang)
        if rx is not None and rx.search(raw):
            f += ["st:" + name, "si:" + instrument]
    n = len(raw) if lang == "zh" else len(raw.split())
    f.append(f"len:{min(int(np.log2(n + 1)), 9)}")
    tail = raw.rstrip()[-1:] if raw.strip() else ""
    f.append("end:" + (tail if tail in ".。;；:：,，" else "other"))
    if _MONEY.search(raw):
        f.append("money")
    if lang == "en":
        for m in _MODALS.finditer(raw):
            f.append("m:" + m.group(1).lower())
            if lex.verbs["en"].match(raw, m.end() + 1) or lex.verbs["en"].match(raw, m.end()):
                f.append("mv")
        if _NEG_MODAL.search(raw):
            f.append("negmodal")
        if _COMMIT.search(raw):
            f.append("commit")
        body = re.sub(r"^\s*(?:\(\w{1,4}\)\s*)+|^\s*[➢•\-–]\s*", "", raw)
        if _DESCRIPTIVE.match(body):
            f.append("descr")
        for name, rx in (("def", _DEFINITION), ("purp", _PURPOSE), ("approp", _APPROP), ("incl", _INCLUDE)):
            if rx.search(raw):
                f.append(name)
        if verbs and verbs[0].start() <= len(raw) - len(body) + 4:
            f.append("itemverb")  # a list item (or line) opening with a lexicon verb
        if re.match(r"\s*(?:to|To)\s", body):
            f.append("to-inf")
    else:
        for name, rx in _ZH_CUES.items():
            if rx.search(raw):
                f.append(name)
    return f


_LIST_MARK = re.compile(r"^\s*(?:\(\w{1,4}\)\s*)+|^\s*[➢•\-–]\s*")
_SUBJ_TAGS = frozenset("DT PDT NN NNS NNP NNPS JJ JJR JJS IN CC PRP PRP$ POS , CD HYPH NFP -LRB- -RRB- `` '' VBN".split())
_ACTOR_LABELS = frozenset({"ORG", "INSTITUTE", "PROGRAMME", "COMPANY"})
_VERB_TAGS = frozenset({"VB", "VBD", "VBG", "VBN", "VBP", "VBZ", "MD"})


def pos_features(view) -> list[str]:
    """POS-pattern and entity features of an English view with tagged tokens (none otherwise)."""
    if view.lang != "en" or not view.tagged:
        return []
    body_start = view.sentence.start + len(_LIST_MARK.match(view.raw).group()) if _LIST_MARK.match(view.raw) \
        else view.sentence.start
    toks = [t for t in view.tokens if t.start >= body_start and t.text.strip()]
    if not toks:
        return ["P:empty"]
    tags = [t.tag for t in toks]
    low = [t.text.lower() for t in toks]
    f = ["P:h3:" + "_".join(t.pos for t in toks[:3]), "P:t1:" + tags[0]]
    first_md = next((i for i, t in enumerate(tags) if t == "MD"), None)
    for i, t in enumerate(tags):
        if t != "MD":
            continue
        j = i + 1
        while j < len(tags) and tags[j] == "RB":
            if low[j] == "not":
                f.append("P:md_not")
            j += 1
        nxt = tags[j] if j < len(tags) else "END"
        if nxt == "VB" and low[j] != "be":
            f.append("P:md_vb")
        elif nxt == "VB" and j + 1 < len(tags) and tags[j + 1] == "VBN":
            f.append("P:md_be_vbn")
        elif nxt == "VB":
            f.append("P:md_be")
        else:
            f.append("P:md_" + nxt)
    for i in range(len(toks) - 3):
        if low[i] == "authorized" and low[i + 1] == "to" and low[i + 2] == "be" and tags[i + 3] == "VBN":
            f.append("P:auth_be_vbn")
    if first_md is not None and first_md > 0:
        head = tags[:first_md]
        if all(t in _SUBJ_TAGS for t in head) and any(t.startswith("NN") or t == "PRP" for t in head):
            f.append("P:subj_md_vb" if "P:md_vb" in f else "P:subj_md")
            f.append("P:subj:" + ("prp" if "PRP" in head else "nnp" if any(t.startswith("NNP") for t in head) else "nn"))
    verbs = [i for i, t in enumerate(tags) if t in _VERB_TAGS]
    if not verbs:
        f.append("P:noverb")
    if tags[0] == "VB" or (tags[0] == "TO" and len(tags) > 1 and tags[1] == "VB"):
        f.append("P:imp" + (":item" if view.is_item else ""))
        if view.is_item:
            f.append(f"P:imp_lead:{view.leadin}")
    if tags[0] == "VBG":
        f.append("P:vbg" + (f"_item:{view.leadin}" if view.is_item else ""))
    if first_md is None and verbs:
        f.append("P:fin:" + tags[verbs[0]])
    # entities
    first_verb = toks[verbs[0]].start if verbs else view.sentence.end
    labels = {e.label for e in view.entities}
    for e in view.entities:
        if e.label in _ACTOR_LABELS and e.start < first_verb:
            f.append("E:actor_subj")
            if first_md is not None:
                f.append("E:actor_md")
            break
    for lab in ("MONEY", "DATE", "YEAR", "LAW", "GPE", "ORG"):
        if lab in labels:
            f.append("E:" + lab.lower())
    return f


def ngram_features(view) -> list[str]:
    raw, lang = view.raw, view.lang
    if lang == "en":
        words = [_en_norm(w) for w in _EN_WORD.findall(raw.lower())]
        f = ["w:" + w for w in words]
        f += ["b:" + a + "_" + b for a, b in zip(words, words[1:])]
        body = [w for w in words if not w.isdigit()][:2]
        f += [f"p{i}:{w}" for i, w in enumerate(body)]
        return f
    compact = "|".join(_ZH_KEEP.findall(raw))
    f = ["c2:" + compact[i:i + 2] for i in range(len(compact) - 1) if "|" not in compact[i:i + 2]]
    f += ["c3:" + compact[i:i + 3] for i in range(len(compact) - 2) if "|" not in compact[i:i + 3]]
    f.append("h:" + compact[:4])
    return f


def view_features(view, lex: Lexicon, *, ngrams: bool = True, cues: bool = True, pos: bool = False) -> list[str]:
    out = cue_features(view, lex) if cues else [f"lang:{view.lang}"]
    if ngrams:
        out += ngram_features(view)
    if pos:
        out += pos_features(view)
    return out


def hash_features(X: Iterable[Sequence[str]], n_features: int = N_FEATURES):
    """Lists of string features → binary rows over ``n_features`` hashed columns, L2-normalised, as CSR-like
    ``classify.features.HashedRows`` (numpy only: neither scipy nor scikit-learn at prediction time).

    The columns are ``FeatureHasher(input_type="string", alternate_sign=False)``'s (the project's one
    MurmurHash3, ``classify.features.hash_rows``).
    """
    from ..classify.features import hash_rows

    rows = hash_rows((set(f) for f in X), n_features)  # binary: each feature once
    lengths = np.diff(rows.indptr)
    data = np.repeat(1.0 / np.sqrt(np.maximum(lengths, 1)), lengths)
    return rows._replace(data=data)
