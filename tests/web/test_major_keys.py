"""The major-hazard database's page keys (ledgers/major.py): read from the majors alone unless a
place filter needs the sites, grids and areas; the same rows either way."""

import re

from inspect_app.extensions import db
from tests.factories import make_area, make_grid, make_hazard, make_site, make_user
from tests.web.test_statement_counts import statements


def _keys(seen: list[str]) -> str:
    """The statement that reads a page's order keys (found day, id), with its LIMIT."""
    return next(s for s in seen if re.match(r"SELECT hazards\.found_on, hazards\.id\s", s))


def test_keys_join_the_places_only_to_filter_by_them(client, login, ctx):
    north, south = make_area("北区"), make_area("南区")
    here = make_site(make_grid(north), site_type="MECH")
    there = make_site(make_grid(south), site_type="HAZ")
    mine = [make_hazard(here, f"北区重大{i}", level="major").id for i in range(3)]
    theirs = [make_hazard(there, f"南区重大{i}", level="major").id for i in range(2)]
    make_hazard(here, "一般隐患")
    db.session.commit()
    login(make_user("supervisor"))

    def listed(query=""):
        with statements() as seen:
            page = client.get(f"/ledgers/major{query}").text
        ids = {int(i) for i in re.findall(r'<td class="k-hazard"><a href="/hazards/(\d+)"', page)}
        return ids, _keys(seen)

    ids, keys = listed()
    assert ids == {*mine, *theirs} and " JOIN " not in keys
    for query, want in ((f"?area={south.id}", theirs), (f"?grid={here.grid_id}", mine),
                        ("?type=MECH", mine)):
        ids, keys = listed(query)
        assert ids == set(want) and " JOIN sites" in keys, query
