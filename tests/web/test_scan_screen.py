"""The scan screen is reachable from the inspector's home page and menu, names the origins
whose codes it follows, and is the only page that carries the vendored QR decoder."""

import hashlib
import json
import re
from pathlib import Path

from tests.factories import make_grid, make_user

STATIC = Path(__file__).resolve().parents[2] / "static"


def test_home_and_menu_lead_to_the_scan_screen(client, login, ctx):
    login(make_user("inspector", grids=[make_grid()]))
    home = client.get("/").text
    assert home.count('href="/scan"') == 2  # the big button and the menu entry
    assert "jsQR" not in home  # the decoder is loaded on the scan screen only
    scan = client.get("/scan")
    assert scan.status_code == 200
    assert re.search(r'data-decoder="/static/vendor/jsQR-1\.4\.0\.js\?v=[0-9a-f]+"', scan.text)
    origins = json.loads(re.search(r"data-origins='([^']+)'", scan.text).group(1))
    # This page's origin and BASE_URL's (the address printed on the posters).
    assert origins == ["http://localhost", "http://127.0.0.1:5000"]
    assert 'src="/static/scanner.js' in scan.text


def test_workers_have_no_scan_screen(client, login, ctx):
    login(make_user("worker"))
    assert client.get("/scan").status_code == 403
    assert 'href="/scan"' not in client.get("/", follow_redirects=True).text


def test_vendored_decoder_matches_its_recorded_hash():
    readme = (STATIC / "vendor" / "README.md").read_text()
    row = next(line for line in readme.splitlines() if line.startswith("| jsQR-1.4.0.js |"))
    recorded = row.rstrip(" |").rsplit("|", 1)[1].strip()
    actual = hashlib.sha256((STATIC / "vendor" / "jsQR-1.4.0.js").read_bytes()).hexdigest()
    assert actual == recorded
