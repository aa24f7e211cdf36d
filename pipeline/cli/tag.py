"""``policylens tag``: tokens with POS and lemma, and entities, as JSONL."""
from __future__ import annotations


from ..settings import Settings
from ..views import tag_view
from . import main
from .inputs import jsonl_options, run_jsonl


@main.command()
@jsonl_options
def tag(paths, jsonl):
    """Segment and tag documents or JSONL texts; print one JSON object per input.

    Offsets index each input text exactly as given.

    Example: echo '{"id": "a", "text": "国家设立量子计算专项。"}' | policylens tag --jsonl -
    """
    run_jsonl(paths, jsonl, Settings(stages=("tag", "entities")), tag_view)
