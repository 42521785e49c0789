"""Text to syntax tree: the Lark facade, parse-error wording, and tree-to-node building."""

from qualdsl.syntax.parser import parse_module

__all__ = ["parse_module"]
