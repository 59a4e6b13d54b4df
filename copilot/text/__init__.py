"""Text normalisation (with an offset map back to the raw text) and jieba tokenizing, shared by lint and suggest."""

from copilot.text.normalize import NormalizedText, normalize, normalize_term

__all__ = ["NormalizedText", "normalize", "normalize_term"]
