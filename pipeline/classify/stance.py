"""Stance of a sentence that speaks to an area: ``problem`` | ``measure`` | ``status``.

Rules over cue words: deficiency, gap and dependence words mark a problem; directive and action
language marks a measure; anything else is a description of the status quo. A sentence with both
kinds of cue is a measure unless its problem cues outnumber its action cues (a measure that names
the problem it solves is still a measure: 补齐短板, "to address the shortage").
"""
from __future__ import annotations

import re

PROBLEM, MEASURE, STATUS = "problem", "measure", "status"

_ZH_PROBLEM = re.compile(
    "不足|薄弱|依赖|短板|缺乏|匮乏|滞后|不够|不强|不高|差距|瓶颈|制约|难以|尚未|有待|短缺|卡脖子|受制于"
    "|不完善|不健全|参差不齐|突出|矛盾|风险|隐患|困难|下降|未能|较少|较低|落后|不平衡|不充分"
)
_ZH_MEASURE = re.compile(
    "应当|必须|不得|禁止|可以|鼓励|支持|设立|建立|推动|加强|加快|实施|完善|促进|引导|推进|健全|制定|组织|开展|"
    "建设|提高|扩大|深化|给予|出台|培育|强化|优化|保障|(?<![主重需纲摘概只])要(?![素点闻求])|(?<!即)将(?![来军])|拟|积极|"
    "大力|着力|统筹|负责|提交"
)
_EN_PROBLEM = re.compile(
    r"\b(lack\w*|shortage\w*|dependen\w*|reliance|insufficient|inadequate|gaps?|deficien\w*|weak\w*|"
    r"vulnerab\w*|threats?|shortfall|unmet|declin\w*|limited|shut down|barriers?|difficult\w*|problems?|"
    r"worst|insecurity|fail\w*)\b",
    re.I,
)
_EN_MEASURE = re.compile(
    r"\b(shall|will|should|must|may|establish\w*|authoriz\w*|award\w*|provid\w*|support\w*|direct\w*|"
    r"requir\w*|propos\w*|carry out|coordinat\w*|promot\w*|encourag\w*|invest\w*|ensur\w*|develop|"
    r"facilitat\w*|advanc\w*|expand|increas\w*|conduct|submit|appoint|launch\w*|asking|intend|"
    r"prohibit\w*|recommend\w*)\b",
    re.I,
)


def stance(text: str, lang: str) -> str:
    """The stance of one sentence (rules; see the module docstring)."""
    if lang == "zh":
        n_prob, n_meas = len(_ZH_PROBLEM.findall(text)), len(_ZH_MEASURE.findall(text))
    else:
        n_prob, n_meas = len(_EN_PROBLEM.findall(text)), len(_EN_MEASURE.findall(text))
    if n_prob and n_prob > n_meas:
        return PROBLEM
    if n_meas:
        return MEASURE
    if n_prob:
        return PROBLEM
    return STATUS
