"""Challenge classification: codebook, sentence classifier, mentions, document areas, spaCy component."""
from .classifier import Classifier

__all__ = ["Classifier"]
