"""A column among (or not among) a list of ids given at execution, as one parameter.

PostgreSQL is given the list as one array (`= ANY(:ids)`, `<> ALL(:ids)`), SQLite one
placeholder per id (an expanding IN). A statement with one placeholder per id had its text
rewritten at each run (SQLAlchemy re-renders an expanding list: a queue count's ~5,000
characters), psycopg parsed one of more than 50 parameters anew each time, and PostgreSQL
planned 50 or 150 of them at 2.5-3x the CPU of one array (zone rectification page: 6.8 -> 2.5
ms). The dialect is chosen when the statement is compiled, so a statement built once at import
serves either database.
"""

from sqlalchemy import ARRAY, Boolean, Integer, all_, any_, bindparam
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import BindParameter, ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal


class _Among(ColumnElement):
    """`column` among (or, `negate`, not among) the ids in the parameter `name`."""

    type = Boolean()
    # A comparison, as IN is: without this SQLite got `x IN (...) = 1`, which no index can
    # answer (a ledger page's per-row figures scanned all a zone's answers: 270 ms).
    _is_implicitly_boolean = True
    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement),
                           ("name", InternalTraversal.dp_string),
                           ("negate", InternalTraversal.dp_boolean)]

    def __init__(self, column, name: str, negate: bool = False):
        self.column, self.name, self.negate = column, name, negate

    @property
    def _from_objects(self):
        return self.column._from_objects


@compiles(_Among)
def _among_in(element, compiler, **kw):
    ids = bindparam(element.name, expanding=True)
    clause = element.column.not_in(ids) if element.negate else element.column.in_(ids)
    return compiler.process(clause, **kw)


@compiles(_Among, "postgresql")
def _among_array(element, compiler, **kw):
    ids = bindparam(element.name, type_=ARRAY(Integer))
    clause = element.column != all_(ids) if element.negate else element.column == any_(ids)
    return compiler.process(clause, **kw)


def among(column, ids) -> ColumnElement[bool]:
    """`column IN ids`: a list (written into the statement), or a parameter of ids given at
    execution (a bindparam: a page form's ids, ledgers/columns.built_once)."""
    if isinstance(ids, BindParameter):
        return _Among(column, ids.key)
    return column.in_(ids)


def not_among(column, name: str) -> ColumnElement[bool]:
    """`column NOT IN` the parameter `name`'s ids, given at execution (an empty list: every
    row)."""
    return _Among(column, name, negate=True)
