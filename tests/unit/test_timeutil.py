"""Stored times shown in the zone's time."""

from datetime import datetime

import pytest

from inspect_app.timeutil import local_minute, to_local


@pytest.mark.parametrize("stored", ["1986-05-03 18:30:00", "1991-09-14 16:59:59",
                                    "1991-09-14 17:00:00", "2026-12-01 15:59:59.999999",
                                    "2026-12-01 16:00:00"])
def test_a_time_is_shown_as_the_zones_rules_give_it(stored):
    """A time past the zone's last summer time is shifted by its fixed offset: the same minute
    as converting it by the zone's rules (and, in summer time, still converted)."""
    value = datetime.fromisoformat(stored)
    assert local_minute(value) == to_local(value).strftime("%Y-%m-%d %H:%M")
