"""Templates ask the policy (booleans from the view, `may_open(endpoint)`); none tests a role."""

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# The user's own role or position, or anyone's role compared: the policy answers those.
ROLE_TEST = re.compile(r"current_user\.(role|position|is_supervisor)\b|\.role\s*(==|!=|in\b|not\b)")


def test_no_template_tests_the_users_role():
    found = [f"{path.relative_to(TEMPLATES)}:{n}"
             for path in sorted(TEMPLATES.rglob("*.html"))
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if ROLE_TEST.search(line)]
    assert found == []


def test_every_photo_input_is_shrunk_on_the_phone():
    """An image file input without data-shrink would send the camera's original over 4G. (The
    checklist card's is written in Python, inspections/card.py: test_inspection checks it.)"""
    inputs = [(path.relative_to(TEMPLATES), tag)
              for path in sorted(TEMPLATES.rglob("*.html"))
              for tag in re.findall(r"<input[^>]*type=\"file\"[^>]*>", path.read_text("utf-8"))]
    photo_inputs = [(path, tag) for path, tag in inputs if 'accept="image/' in tag]
    assert len(photo_inputs) >= 4  # (a close-out document is kept as filed: documents.py)
    assert [(str(p), t) for p, t in photo_inputs if "data-shrink" not in t] == []
