"""Write docs/roles.md from the access table in bujian/accounts/roles.py.

    .venv/bin/python scripts/roles_doc.py

bujian/accounts/tests/test_access_matrix.py fails while the page is out of date.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bujian.accounts.roles import render_markdown  # noqa: E402

if __name__ == "__main__":
    target = ROOT / "docs" / "roles.md"
    target.write_text(render_markdown(), encoding="utf-8")
    print(f"Wrote {target.relative_to(ROOT)}")
