"""The scan rule: a scan of this site's code counts for four hours, and nothing else counts."""

from datetime import datetime, timedelta

import pytest
from flask import Flask, session

from inspect_app import scan

AT = datetime(2026, 3, 2, 8, 0)


@pytest.fixture
def request_ctx():
    app = Flask(__name__)
    app.secret_key = "t"
    with app.test_request_context():
        yield


@pytest.mark.parametrize(("later", "counts"), [
    (timedelta(0), True), (timedelta(hours=4), True), (timedelta(hours=4, seconds=1), False)])
def test_a_scan_counts_for_four_hours(request_ctx, later, counts):
    scan.record(7, AT)
    assert scan.recent(7, AT + later) is counts


def test_only_the_scanned_site_counts(request_ctx):
    scan.record(7, AT)
    assert not scan.recent(8, AT)


@pytest.mark.parametrize("stored", [None, "7", {"site": 7}, {"site": 7, "at": "yesterday"},
                                    {"site": 7, "at": 5}])
def test_no_scan_or_a_damaged_one_does_not_count(request_ctx, stored):
    if stored is not None:
        session["scan"] = stored
    assert not scan.recent(7, AT)
