"""The differential test for longer, outside pytest: ``python tests/run_differential.py --cases 20000``.

The same as ``python -m tests.test_differential``; prints how many cases were checked.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.test_differential import main

if __name__ == "__main__":
    sys.exit(main())
