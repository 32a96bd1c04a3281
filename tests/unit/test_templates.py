"""Templates ask the policy (booleans from the view, `may_open(endpoint)`); none tests a role."""

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
ROLE_TEST = re.compile(r"current_user\.(role|is_supervisor)\b")


def test_no_template_tests_the_users_role():
    found = [f"{path.relative_to(TEMPLATES)}:{n}"
             for path in sorted(TEMPLATES.rglob("*.html"))
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if ROLE_TEST.search(line)]
    assert found == []
