"""Write docs/errors.md from the error catalogue (qualdsl/catalogue.py).

    python docs/make_errors.py           # rewrite docs/errors.md
    python docs/make_errors.py --check   # exit 1 if docs/errors.md is out of date

tests/test_catalogue.py fails when the file is out of date.
"""

from __future__ import annotations

import sys
from pathlib import Path

from qualdsl.catalogue import render_markdown

TARGET = Path(__file__).resolve().parent / "errors.md"


def main(argv: list[str]) -> int:
    text = render_markdown()
    if "--check" in argv:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            print(f"{TARGET} is out of date: run `python docs/make_errors.py`", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8", newline="\n")
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
