"""Detection of measure clauses and assembly of ``Measure`` records.

A sentence is a measure when it carries an action cue from the lexicon in a directive frame
(zh: any cue outside definitions, purposes and descriptions of results; en: a modal or authorising frame,
a first-person commitment, or a list item opening with a verb under a directive lead-in) and no
negative cue (definitions, purposes, "shall not be construed", rights, entry into force).
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from typing import Optional, Sequence

from ..errors import ResourceError
from ..language import guess_lang
from ..types import Entity, Measure, Mention, Sentence, Token
from .fields import find_actor, parse_money, parse_time
from .lexicon import Lexicon, load_lexicon

log = logging.getLogger(__name__)

_LIST_ITEM = re.compile(r"^\s*(?:\(\w{1,4}\)\s*)+")
_EN_FRAME = re.compile(
    r"\b(?:shall|must|will|should|may|is authorized|are authorized|authorized to be appropriated|"
    r"we propose|let'?s|we'll|need to|ought to|our plan|have (?:\w+ed|made|built|set)|has (?:\w+ed))\b", re.I)
_EN_ITEM_VERB = re.compile(r"[a-z]+(?<!ing)(?<!tion)(?<!sion)(?<!ment)(?<!ness)(?<!ity)(?<!ies)(?<!ance)(?<!ence)(?<!al)(?<!ic)"
                           r"(?<!ous)(?<!ive)(?<!ary)(?<!s)\b(?=\s+[a-z])")
_EN_ITEM_NOT_VERB = frozenset("the a an any such each all other not and or in of for with to on at by that which who their "
                              "its if where when whether how new federal have has be is are was were".split())
_EN_ITEM_AMOUNT = re.compile(r"\s*(?:US)?\$\s?\d[\d,.]*(?:\s+(?:thousand|million|billion))?")
_EN_NEGATED = re.compile(r"\b(?:shall|may|must|will)\s+not\b", re.I)
_EN_COPULA = re.compile(r"\s+be\s+(?:those|the|a|an|able|more|less|very|much|no|in|at|on|one|our|their)\b", re.I)
_EN_MODAL = re.compile(r"\b(shall|must|will|should|may)\b", re.I)
# the tail of a lead-in whose items are not the state's actions: purposes, definitions, uses of grants,
# conditions a recipient agrees to, members and contents
_EN_NOT_DIRECTIVE_LEADIN = re.compile(
    r"\b(?:purposes?\b[^.]*\b(?:is|are)\b|means|may be used|may only use|agrees? to|shall agree to|eligible|"
    r"consult with|include a representative|composed of|consist of|shall have|subject to|term)\b"
    r"|\bin order to\s*$|\bpurposes?\s*$"
    r"|\b(?:report|plan|strategy|assessment|description|evaluation|curriculum integration|application)s?\b[^.]*\b(?:shall|may) include\b",
    re.I)
_EN_HEADING = re.compile(r"^\s*(?:\(\w{1,4}\)\s*)*[A-Z][^.;:,]{0,60}$")
_ZH_HEADING_NUM = re.compile(r"^\s*\d+(?:\.\d+)+\s*\S")
# first-person and speech commitments whose verb need not be in the lexicon ("we have mobilized",
# "let's get … to my desk", "Our plan now is to tailor …", "We are working with …")
_EN_COMMIT = re.compile(
    r"(?:\b(?:we|I|Labour|the Government|my [Aa]dministration)\s+(?:will|'ll|shall|are going to|(?P<prog>are)|(?P<perf>have|has))\s+"
    r"|\blet'?s\s+|\b(?:our|my) plan(?: now)? is to\s+|\bunder my plan\b[^.]*?\bwill\s+"
    r"|\b(?:my|our|the)\s+(?:[A-Z][\w-]*\s+){1,4}(?:Plan|Act|Initiative)\s+(?:will\s+)?(?=[a-z]+s\b))"
    r"(?:(?:also|now|finally|further|continue to|not only)\s+)?(?P<v>[a-z]+)", re.I)
_EN_NOT_COMMIT = frozenset(
    "be been not never see know do is are was were always all still going able proud here there the a an "
    "had got done seen come gone heard never also just only more begin start try keep remember means".split())
_EN_DESCRIPTIVE = re.compile(r"^(?:It|This|That|These|There)\b", re.I)
# a legal duty with no action verb of the lexicon ("经营者应当获得…资格", "依法负有保密义务")
_ZH_OBLIGATION = re.compile(r"(?<!全社会都)(?<!全社会)(?:应当|必须|负有[^，。；]{0,12}义务)")
_ZH_RESULT = re.compile(r"(取得|成效(?!评估)|成果不断|增长\d|下降\d|增加到|达到\d|凸显|依赖|差距|不足|缺乏|是.*的结果|落后|[的地]要求越来越高|主要|处于)")
_ZH_DESCRIPTION = re.compile(r"要求越来越高|正处[在于]|^目前")  # descriptive whatever the actor
_ZH_DIRECTIVE = re.compile(r"(应当|必须|不得|建议|要|将|鼓励|支持|国家|政府|应该|可)")
_ZH_HEADING_REC = re.compile(r"对策建议|政策建议")
_ZH_HEADING_REVIEW = re.compile(r"回顾|过去一年")
_ZH_HEADING_PLAN = re.compile(r"今年|政府工作的建议|任务")
_ZH_TITLE = re.compile(r"^(?:第[一二三四五六七八九十百]+章|附件|(?![一二三四五六七八九十]+、)[^，。；]{0,30}(?:通知|条例|办法|清单|规定|意见)$)")
_ZH_GENRE_LAW = re.compile(r"第[一二三四五六七八九十百]+条")


DEFAULT_MODEL = "default"


@dataclass(frozen=True)
class SentenceView:
    """One sentence as the rules saw it: the input of the learned layer's features."""

    index: int
    sentence: Sentence
    raw: str
    lang: str  # zh | en
    is_item: bool
    heading: bool
    leadin: Optional[str]  # en: status lent by the last lead-in line, "purpose", "appropriation" or None
    context: Optional[str]  # zh: the document/heading status context
    rule: Optional[tuple]  # (action, verb start, verb end, status) when the rules say measure
    tokens: tuple = ()  # the sentence's tokens (tagged in production: pos/tag/lemma)
    entities: tuple = ()  # the entities starting in the sentence
    lead: Optional[int] = None  # en list items: the index of the lead-in sentence that governs them

    @property
    def tagged(self) -> bool:
        return any(t.pos for t in self.tokens)


class MeasureExtractor:
    """Measures from text + sentences (+ tokens, entities, mentions when present).

    With a trained model in ``models/measures`` (``python -m pipeline.measures.train``) a per-language
    classifier over the rules' cues and n-grams makes the detection (and instrument) decision; without it
    (directory absent, logged once) the rules decide alone. ``model_dir=None`` forces the rules.
    """

    def __init__(self, lexicon: Optional[Lexicon | str] = None, model_dir=DEFAULT_MODEL) -> None:
        self.lexicon = lexicon
        self.model_dir = model_dir  # DEFAULT_MODEL = models/measures when present; None = rules only
        self._lex: Optional[Lexicon] = None
        self._model = None
        self._model_loaded = False

    @property
    def lex(self) -> Lexicon:
        if self._lex is None:
            lx = self.lexicon
            self._lex = lx if isinstance(lx, Lexicon) else load_lexicon(lx)
        return self._lex

    # ---------------------------------------------------------------- predict
    def scan(self, text: str, sentences: Sequence[Sentence], tokens: Sequence[Token] = (),
             entities: Sequence[Entity] = ()) -> list[SentenceView]:
        """Every sentence with its rule context (list item, heading, lead-in, document status context), its
        tokens and entities, and the rule decision; the model's features are computed from these views."""
        lex = self.lex
        toks_of = _by_sentence(sentences, tokens)
        ents_of = _by_sentence(sentences, entities)
        zh_law = len(_ZH_GENRE_LAW.findall(text)) >= 3
        zh_notice = bool(re.search(r"通知如下|国办发|国发〔", text[:2000]))
        context = "mandated" if zh_law or zh_notice else None  # a statute's provisions are mandates (guideline v2)
        leadin: Optional[str] = None  # en: the directive of the last lead-in line ("... shall")
        lead_line: Optional[int] = None  # … and its sentence index
        nested = _ItemLeadins()  # en: lead-ins that are themselves list items ("(1) … Program, which shall")
        views = []
        for i, s in enumerate(sentences):
            raw = text[s.start:s.end]
            lang = "zh" if s.lang == "zh" or (s.lang != "en" and guess_lang(raw) == "zh") else "en"
            if lang == "zh":
                ctx = self._zh_heading_context(raw)
                if ctx:
                    context = ctx
            item = _LIST_ITEM.match(raw)
            heading = _is_heading(raw, lang)
            lent, lead = nested.enter(item.group(), (leadin, lead_line)) if item and lang == "en" and not heading \
                else (leadin, None)
            m = None if heading else self._measure(raw, lang, bool(item), lent, context, lex)
            views.append(SentenceView(i, s, raw, lang, bool(item), heading, lent, context, m,
                                      toks_of.get(i, ()), ents_of.get(i, ()), lead))
            if lang == "en":
                if heading:
                    leadin, lead_line = None, None
                    nested.clear()
                elif not item:
                    leadin = _en_leadin(raw)
                    lead_line = i if leadin is not None else None
                    nested.clear()
                else:
                    nested.leave(raw, i)
        return views

    def extract(self, text: str, sentences: Sequence[Sentence], tokens: Sequence[Token] = (),
                entities: Sequence[Entity] = (), mentions: Sequence[Mention] = (),
                jurisdiction: Optional[str] = None) -> tuple[Measure, ...]:
        lex = self.lex
        model = self.model
        if model is not None and model.needs_tags and sentences and not any(t.pos for t in tokens):
            # the model's POS/entity features need what production's tag and entities stages give
            from . import context

            log.debug("measures: untagged input; running the tag and entities stages")
            tokens, found = context.tag(text, sentences)
            entities = entities or found
        areas: dict[int, set] = {}
        for m in mentions:
            areas.setdefault(m.sent, set()).add(m.area)
        views = self.scan(text, sentences, tokens, entities)
        if model is not None:
            decisions = model.decide(views, lex)
        else:
            decisions = [(v.rule is not None, None) for v in views]
        out, lead_fields = [], {}
        for v, (is_measure, instrument) in zip(views, decisions):
            if not is_measure:
                continue
            action, vpos, vend, status = v.rule if v.rule is not None else _fallback(v, lex)
            rec = self._record(text, v.index, v.sentence, v.raw, v.lang, action, vpos, vend, status,
                               v.entities, areas.get(v.index, ()), jurisdiction, lex)
            if v.lead is not None:
                rec = _from_lead(rec, views, v.lead, lead_fields)
            if instrument is not None and instrument != rec.instrument:
                rec = replace(rec, instrument=instrument, subtool=_subtool_of(v.raw, v.lang, instrument, lex))
            out.append(rec)
        return tuple(out)

    @property
    def model(self):
        """The learned detection layer (``models/measures``), loaded once; None = pure rules."""
        if not self._model_loaded:
            self._model_loaded = True
            if self.model_dir is not None:
                from .model import load_detector

                model = load_detector(None if self.model_dir == DEFAULT_MODEL else self.model_dir)
                if model is not None and model.meta.get("lexicon_sha256") != self.lex.sha256:
                    if self.lexicon is None:  # the default lexicon changed since training
                        raise ResourceError(f"{self.model_dir}: measure model trained on another version of "
                                            "measures.yaml; retrain (python -m pipeline.measures.train)")
                    log.info("measure model does not match lexicon %s: rules only", self.lexicon)
                    model = None
                self._model = model
        return self._model

    @staticmethod
    def _zh_heading_context(raw: str) -> Optional[str]:
        if len(raw) > 40 or raw.endswith("。"):
            return None
        if _ZH_HEADING_REC.search(raw):
            return "recommended"
        if _ZH_HEADING_REVIEW.search(raw):
            return "enacted"
        if _ZH_HEADING_PLAN.search(raw):
            return "planned"
        return None

    def _measure(self, raw, lang, is_item, leadin, context, lex):
        """(action, verb start, verb end, status) when ``raw`` states a measure, else None."""
        if lex.negative[lang].search(raw):
            return None
        if lang == "zh":
            if len(raw) < 8 or _ZH_TITLE.search(raw.strip()):
                return None
            verb = lex.verbs["zh"].search(raw) or _ZH_OBLIGATION.search(raw)
            if not verb:
                return None
            status = _first_status(raw, lex.status["zh"])
            if (_ZH_RESULT.search(raw) and not _ZH_DIRECTIVE.search(raw)) or _ZH_DESCRIPTION.search(raw):
                return None
            if status is None:
                status = context or "enacted"
            elif status == "planned" and context in ("mandated", "enacted") and not re.search(r"将|计划|力争|到20\d\d年", raw):
                status = "mandated"
            return _zh_refine(raw, verb, lex), verb.start(), verb.end(), status
        # English
        body = _LIST_ITEM.sub("", raw)
        off = len(raw) - len(body)
        if is_item and not (leadin is None and body[:1].isupper() and _EN_MODAL.search(body)):
            # (an item with no lead-in that is a whole sentence, "(2) The Office shall review …", is judged
            # as one below)
            own = re.match(r"\s*(shall|must|will|should)\s+(?!be\b|have\b)", body)
            if own:
                leadin = _en_status(own.group(1))
            if leadin == "appropriation":  # "(1) $3,000,000 for the fiscal year 1992;"
                amount = _EN_ITEM_AMOUNT.match(body)
                return ("fund", amount.start() + off, amount.end() + off, "enacted") if amount else None
            if leadin in (None, "purpose"):
                return None
            pre = re.match(r"\s*(?:(?:to|To|shall|must|will|should)\s+|not later than[^,]{0,60},\s*(?:\d{4}\s*,\s*)?)?", body)
            verb = lex.verbs["en"].match(body, pre.end())
            if verb:
                action = _en_action(verb, lex)
            else:  # an imperative item whose verb is not in the lexicon ("(6) make data … accessible")
                verb = _EN_ITEM_VERB.match(body, pre.end())
                if not verb or verb.group().lower() in _EN_ITEM_NOT_VERB:
                    return None
                action = "support"
            status = _first_status(body, lex.status["en"]) or leadin
            return action, verb.start() + off, verb.end() + off, status
        commit = _EN_COMMIT.search(body)
        if _EN_DESCRIPTIVE.match(body) and "authorized to be appropriated" not in body and not commit:
            return None
        frame = next((f for f in _EN_FRAME.finditer(body) if not _EN_COPULA.match(body, f.end())), None)
        verb = lex.verbs["en"].search(body, frame.end() if frame and re.match(r"our plan", frame.group(), re.I)
                                      else frame.start()) if frame else None
        if commit and (verb is None or commit.start("v") < verb.start()):
            v = commit.group("v").lower()
            cue = lex.verbs["en"].match(body, commit.start("v"))
            if v not in _EN_NOT_COMMIT and (not commit.group("prog") or (cue and v.endswith("ing"))) and (
                    not commit.group("perf") or re.search(r"ed$|^(?:built|made|set|cut|put|brought)$", v)):
                status = _first_status(body, lex.status["en"]) or "enacted"
                action = _en_action(cue, lex) if cue else "support"
                return action, commit.start("v") + off, commit.end("v") + off, status
        if not verb and frame is not None:  # "The Secretary shall not consider a proposal unless …"
            verb = _EN_NEGATED.match(body, frame.start())
        if not verb:
            return None
        if re.search(r"authorized to be appropriated|is authorized|are authorized", body, re.I):
            status, action = "enacted", "fund" if "appropriated" in body else _en_action(verb, lex)
        else:
            status = _first_status(body, lex.status["en"]) or "enacted"
            action = "restrict" if _EN_NEGATED.search(body, frame.start(), verb.end()) else _en_action(verb, lex)
        return action, verb.start() + off, verb.end() + off, status

    # ---------------------------------------------------------------- fields
    def _record(self, text, i, s, raw, lang, action, vpos, vend, status, ents, areas, jurisdiction, lex):
        instrument, subtool = _subtool(raw, lang, action, lex, vend)
        actor, actor_id = _actor(raw[:vpos + 1] if lang == "zh" else raw, lang, s.start, ents)
        money = [e for e in ents if e.label == "MONEY" and e.value is not None and e.unit]
        if money:
            amount, currency = money[0].value, money[0].unit
        else:
            pm = parse_money(raw)
            amount, currency = (pm[0], pm[1]) if pm else (None, None)
        time, year = parse_time(raw, lang)
        gpe = next((e for e in ents if e.label == "GPE" and e.id), None)
        obj = _object(raw, vend, lang)
        return Measure(sent=i, start=s.start, end=s.end, text=raw, actor=actor, actor_id=actor_id, action=action,
                       object=obj, instrument=instrument, subtool=subtool, areas=tuple(sorted(areas)),
                       amount=amount, currency=currency, time=time, year=year, status=status,
                       jurisdiction=(gpe.id if gpe else jurisdiction))


def _actor(raw: str, lang: str, offset: int, ents: Sequence[Entity]) -> tuple[Optional[str], Optional[str]]:
    """(actor text, gazetteer id of the entity under it) of a clause starting at ``offset`` (after its list
    marker: "(1) The President shall …")."""
    mark = _LIST_ITEM.match(raw)
    skip = mark.end() if mark else 0
    found = find_actor(raw[skip:], lang)
    if not found:
        return None, None
    a0, a1 = offset + skip + found[1], offset + skip + found[2]
    return found[0], next((e.id for e in ents if e.id and e.start < a1 and a0 < e.end), None)


def _from_lead(rec: Measure, views: Sequence[SentenceView], lead: Optional[int], found: dict) -> Measure:
    """A list item's measure takes what it lacks from its lead-ins, nearest first ("Not later than 180 days
    after December 21, 2022, the Director shall issue guidance, which shall include — (A) a requirement …"):
    the actor and the time. ``found`` keeps each lead-in's (actor, actor id, time, year) for its other items."""
    seen = set()
    while lead is not None and lead not in seen and (rec.actor is None or rec.time is None):
        seen.add(lead)
        v = views[lead]
        if lead not in found:
            found[lead] = (*_actor(v.raw, v.lang, v.sentence.start, v.entities), *parse_time(v.raw, v.lang))
        actor, actor_id, time, year = found[lead]
        if rec.actor is None:
            rec = replace(rec, actor=actor, actor_id=actor_id)
        if rec.time is None:
            rec = replace(rec, time=time, year=year)
        lead = v.lead
    return rec


def _by_sentence(sentences: Sequence[Sentence], spans: Sequence) -> dict[int, tuple]:
    """Tokens or entities grouped by the sentence holding their start (both sorted by offset)."""
    out: dict[int, list] = {}
    k = 0
    for x in sorted(spans, key=lambda x: x.start):
        while k < len(sentences) and sentences[k].end <= x.start:
            k += 1
        if k == len(sentences):
            break
        if sentences[k].start <= x.start:
            out.setdefault(k, []).append(x)
    return {i: tuple(v) for i, v in out.items()}


def _is_heading(raw: str, lang: str) -> bool:
    """A section heading ("(c) Funding", "(A) In general", "4.1 出台…"): short, no clause punctuation."""
    body = raw.strip()
    if lang == "en":
        return bool(_EN_HEADING.match(body)) and len(_LIST_ITEM.sub("", body).split()) <= 6 \
            and not _EN_MODAL.search(body)
    return bool(_ZH_HEADING_NUM.match(body)) and len(body) <= 40 and not re.search(r"[，。；]", body)


_ITEM_MARK = re.compile(r"\((\w{1,4})\)")
_ROMAN = re.compile(r"^(?:i{1,3}|iv|vi{0,3}|ix|xi{0,3}|xiv|xvi{0,3}|xix|xx)$", re.I)
_ITEM_ENDS_LIST = re.compile(r"(?:[.;,]|\b(?:and|or))\s*$")


class _ItemLeadins:
    """The lead-ins among list items of one English list, by nesting level: "(1) The President shall
    implement a Program, which shall" lends "mandated" to the "(A) …" items after it until the next item at
    its level or above. Levels follow the US Code's (a) → (1) → (A) → (i) → (I): a roman "(i)" under an
    open "(A)" is a clause, while "(i)" right after "(h)" (or "(I)" after "(H)") with nothing open below
    continues the letters. (Lists nested in another order, (1) → (a) → (i), are read by these levels too.)"""

    def __init__(self) -> None:
        self.leads: dict[int, tuple[str, int]] = {}  # level -> (the status its lead-in item lends, its index)
        self.last: dict[int, str] = {}  # level -> the last mark seen at it, for the open levels
        self.level = 0

    def clear(self) -> None:
        self.leads.clear()
        self.last.clear()
        self.level = 0

    def _level(self, mark: str) -> int:
        if mark.isdigit():
            return 2
        lower = mark.islower()
        letter = 1 if lower else 3
        roman = 4 if lower else 5
        if _ROMAN.match(mark):
            if self.last.get(roman - 1) is not None or self.last.get(roman) is not None:
                return roman  # under an open (A) (resp. (i)), or among roman siblings
            prev = self.last.get(letter)
            follows_letter = len(mark) == 1 and prev is not None and len(prev) == 1 and ord(mark) == ord(prev) + 1
            return letter if follows_letter else roman
        return letter

    def enter(self, marks: str, base: tuple) -> tuple:
        """(status, lead-in index) lent to the item opening with ``marks`` ("(b)(1) "): the deepest lead-in
        item above it, else ``base`` (the last lead-in line). Every mark of a combined prefix opens its level."""
        for mark in _ITEM_MARK.findall(marks):
            self.level = self._level(mark)
            self.last[self.level] = mark
            for k in [k for k in self.last if k > self.level]:
                del self.last[k]
        above = [k for k in self.leads if k < self.level]
        return self.leads[max(above)] if above else base

    def leave(self, raw: str, index: int) -> None:
        """After the item: it ends deeper lead-ins and its siblings', and is one itself when its text runs on."""
        for k in [k for k in self.leads if k >= self.level]:
            del self.leads[k]
        if not _ITEM_ENDS_LIST.search(raw):
            status = _en_leadin(raw)
            if status is not None:
                self.leads[self.level] = (status, index)


def _en_leadin(raw: str) -> Optional[str]:
    """The status a sentence lends to the list items after it ("… the Subcommittee shall" → mandated),
    "purpose" when its items are purposes, contents or conditions, None when it is no lead-in."""
    body = raw.rstrip()
    if body.endswith("."):
        return None
    tail = body[-160:]
    if "authorized to be appropriated" in body:
        return "appropriation"
    if _EN_NOT_DIRECTIVE_LEADIN.search(tail):
        return "purpose"
    modals = list(_EN_MODAL.finditer(body))
    return _en_status(modals[-1].group(1)) if modals else None


_RULE_ACTIONS = frozenset({"regulate", "restrict", "evaluate"})
_LIGHT_ACTIONS = frozenset({"strengthen", "promote"})


def _zh_refine(raw: str, verb: re.Match, lex: Lexicon) -> str:
    """The action of a zh cue; a light verb (加强, 完善, 推进 …) takes the action of a more specific cue in
    its object ("完善人才引进机制" → recruit, "推进…改革" → regulate)."""
    action = lex.verb_action.get(("zh", verb.group().lower()), "regulate")  # else a bare legal obligation
    if action in _LIGHT_ACTIONS:
        clause = re.split(r"[，。；：]", raw[verb.end():], maxsplit=1)[0]
        for m in lex.verbs["zh"].finditer(clause):
            act = lex.verb_action[("zh", m.group().lower())]
            if act not in _LIGHT_ACTIONS:
                return act
    return action


def _first_status(raw: str, cues) -> Optional[str]:
    best = None
    for st, rx in cues:
        m = rx.search(raw)
        if m and (best is None or m.start() < best[1]):
            best = (st, m.start())
    return best[0] if best else None


def _en_status(modal: str) -> str:
    modal = modal.lower()
    return {"shall": "mandated", "must": "mandated", "will": "planned", "should": "recommended"}.get(modal, "enacted")


def _en_action(verb: re.Match, lex: Lexicon) -> str:
    cue = re.sub(r"\s+", " ", verb.group().lower())
    first, _, rest = cue.partition(" ")
    stems = [re.sub(r"(?:es|ed|d|ing|s)$", "", first), first[:-1], re.sub(r"(?:ing|ed)$", "e", first)]
    for cand in [cue] + [" ".join(filter(None, (st, rest))) for st in stems]:
        act = lex.verb_action.get(("en", cand))
        if act:
            return act
    for (lg, c), act in lex.verb_action.items():
        if lg == "en" and cue.startswith(c):
            return act
    return "support"


def _subtool(raw: str, lang: str, action: str, lex: Lexicon, vend: int = 0) -> tuple[str, Optional[str]]:
    """(instrument, subtool): keywords of the verb's object clause first, then of the rest of the sentence
    after the verb, then of the whole sentence; else the action's default."""
    if action == "procure":
        return "demand", "procurement"
    if action == "fund" and not re.search(r"税|tax|金融|信贷", raw):
        return "supply", "funding"
    rest = raw[vend:]
    clause = re.split(r"[，。；：,;:]" if lang == "zh" else r"[;:]|,\s+(?:and|or|but|which|in order|so that)\b|\.\s", rest,
                      maxsplit=1)[0]
    # in the object clause: Chinese by keyword priority, English by the head (the first keyword:
    # "the Subcommittee on Quantum Information Science")
    found = []
    rule = action in _RULE_ACTIONS
    for rank, (name, instrument, pats) in enumerate(lex.subtools):
        if rule and instrument == "supply":  # regulating research is no supply of research
            continue
        rx = pats.get(lang)
        for m in (rx.finditer(clause) if rx is not None else ()):
            found.append(((rank,) if lang == "zh" else (m.start(), rank), instrument, name))
    if found:
        _, instrument, name = min(found)
        return instrument, name
    for region in (rest, raw):
        for name, instrument, pats in lex.subtools:
            if rule and instrument == "supply":
                continue
            rx = pats.get(lang)
            if rx is not None and rx.search(region):
                return instrument, name
    return lex.action_default[action]


def _object(raw: str, vend: int, lang: str) -> Optional[str]:
    rest = raw[vend:]
    if lang == "zh":
        obj = re.split(r"[，。；、：]", rest, maxsplit=1)[0]
        return obj[:40] or None
    obj = re.split(r"[,;:.]|\b(?:to|that|for|in order|through|which|under|by|with)\b", rest, maxsplit=1)[0].strip()
    return " ".join(obj.split()[:12]) or None


_EN_MODAL_STATUS = re.compile(r"\b(shall|must|will|should)\b", re.I)
_INSTRUMENT_DEFAULT = {"supply": "technical_support", "environment": "regulation", "demand": "pilot_demonstration"}


def _fallback(v: SentenceView, lex: Lexicon) -> tuple:
    """(action, verb start, verb end, status) for a sentence the model calls a measure and the rules do not:
    the first lexicon verb (else no verb), the first status cue, else the lead-in/modal/document context."""
    raw = v.raw
    verb = lex.verbs[v.lang].search(raw)
    if v.lang == "zh":
        action = _zh_refine(raw, verb, lex) if verb else "regulate"
        status = _first_status(raw, lex.status["zh"]) or v.context or "enacted"
    else:
        action = _en_action(verb, lex) if verb else "support"
        modal = _EN_MODAL_STATUS.search(raw)
        lead = v.leadin if v.is_item and v.leadin not in (None, "purpose", "appropriation") else None
        status = _first_status(raw, lex.status["en"]) or lead or (_en_status(modal.group(1)) if modal else "enacted")
    return (action, verb.start(), verb.end(), status) if verb else (action, 0, 0, status)


def _subtool_of(raw: str, lang: str, instrument: str, lex: Lexicon) -> str:
    """The first subtool of ``instrument`` whose keyword occurs in the sentence, else its default."""
    for name, inst, pats in lex.subtools:
        rx = pats.get(lang)
        if inst == instrument and rx is not None and rx.search(raw):
            return name
    return _INSTRUMENT_DEFAULT[instrument]
