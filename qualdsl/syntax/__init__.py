"""Text to syntax tree: the Lark facade, parse-error wording, and tree-to-node building."""

from qualdsl.syntax.parser import parse_module, reserved_words

__all__ = ["parse_module", "reserved_words"]
