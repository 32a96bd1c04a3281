"""The forms layer: every field bounded by its column, every bad value a message by field."""

from datetime import date
from decimal import Decimal

import pytest
from werkzeug.datastructures import MultiDict

from inspect_app import forms as f
from inspect_app.hazards.models import Hazard
from inspect_app.sites.models import Site


def one(field, raw):
    return f.check(raw, field, "x")


def refused(field, raw) -> str:
    with pytest.raises(f.Invalid) as e:
        one(field, raw)
    assert set(e.value.errors) == {"x"} and e.value.status == 422
    return e.value.errors["x"]


@pytest.mark.parametrize("raw", ["99999999999999999999", str(2**31), "0", "-1", "1.0", "1e3",
                                 "abc", "٣", "1" * 5000, "NaN", "\x00"])
def test_ids_outside_the_integer_range_are_refused(raw):
    refused(f.Id(), raw)


def test_ids_and_ints_within_range():
    assert one(f.Id(), " 42 ") == 42
    assert one(f.Id(), str(2**31 - 1)) == 2**31 - 1
    assert one(f.Int(0, 100), "100") == 100
    refused(f.Int(0, 100), "101")
    assert one(f.Id(), "") is None
    assert "fill in" in refused(f.Id(required=True), " ")


@pytest.mark.parametrize("raw", ["NaN", "nan", "Infinity", "-Infinity", "inf", "1e5", "-5",
                                 "1" * 5000, "10000000000", "0.001", "1.2.3", "", "¥5"])
def test_money_must_be_finite_in_range_with_the_columns_scale(raw):
    field = f.Money(column=Hazard.funds, required=True)
    refused(field, raw)


def test_money_parses_plain_and_grouped_amounts():
    field = f.Money(column=Hazard.funds)
    assert one(field, "1,200.5") == Decimal("1200.50")
    assert one(field, "9999999999.99") == Decimal("9999999999.99")  # Numeric(12, 2)
    refused(field, "10000000000.00")
    assert one(f.Money(high=100), "99.99") == Decimal("99.99")
    refused(f.Money(high=100), "100")


@pytest.mark.parametrize("raw", ["0001-01-01", "9999-12-31", "1899-12-31", "2101-01-01",
                                 "2024-02-30", "20240101", "2024-W01", "2024-01-01T00:00",
                                 "yesterday"])
def test_dates_outside_the_window_or_not_iso_are_refused(raw):
    refused(f.Date(), raw)


def test_dates_within_the_window_and_own_bounds():
    assert one(f.Date(), "1900-01-01") == date(1900, 1, 1)
    assert one(f.Date(), "2100-12-31") == date(2100, 12, 31)
    assert "2024-06-01" in refused(f.Date(low=date(2024, 6, 1)), "2024-05-31")


def test_years_within_the_window():
    assert one(f.Year(), "2024") == 2024
    refused(f.Year(), "20240101")
    refused(f.Year(), "1066")


def test_text_is_capped_by_its_column_and_refuses_control_characters():
    field = f.Text(column=Site.name)  # String(128)
    assert one(field, "  企业 ") == "企业"
    assert one(field, "x" * 128) == "x" * 128
    assert "128" in refused(field, "x" * 129)
    refused(field, "a\x00b")
    assert one(f.Text(), "line one\r\n\tline two") == "line one\r\n\tline two"
    refused(f.Text(multiline=False), "one\ntwo")
    assert one(f.Text(), None) == ""


def test_choices_from_an_enum_or_a_list():
    from inspect_app.hazards.workflow import Level
    assert one(f.Choice(Level), "major") == "major"
    refused(f.Choice(Level), "MAJOR")
    refused(f.Choice(["a", "b"]), "c")


def test_parse_gathers_every_error_by_field_and_keeps_the_first_value_of_a_duplicate():
    form = MultiDict([("a", "1"), ("a", "x"), ("b", "NaN"), ("c", "9999-12-31"), ("ids", "3"),
                      ("ids", "3"), ("ids", "4")])
    with pytest.raises(f.Invalid) as e:
        f.parse(form, {"a": f.Id(), "b": f.Money(), "c": f.Date(), "d": f.Text(required=True)})
    assert set(e.value.errors) == {"b", "c", "d"}
    values = f.parse(form, {"a": f.Id(), "ids": f.Ids(), "flag": f.Bool()})
    assert values.a == 1 and values.ids == [3, 4] and values.flag is False
    assert f.parse(form, {"a": f.Id(), "z": f.Id()}, only_present=True) == {"a": 1}
    with pytest.raises(f.Invalid):
        f.parse(MultiDict([("ids", "1"), ("ids", str(2**40))]), {"ids": f.Ids()})


def test_errors_in_one_order_the_fields_own_first_then_the_rules():
    fields = {"name": f.Text(), "code": f.Text(), "grid": f.Id()}
    combined = f.combine({"grid": "bad id", "code": "too long"},
                         {"x": "whole form", "name": "enter", "code": "taken"}, fields)
    assert list(combined.items()) == [("code", "too long"), ("grid", "bad id"),
                                      ("name", "enter"), ("x", "whole form")]
    assert list(f.ordered({"x": 1, "grid": 2, "name": 3}, fields)) == ["name", "grid", "x"]


def test_filters_drop_a_bad_value_with_a_notice(app):
    from flask import get_flashed_messages
    with app.test_request_context("/?grid=1.0&from=0001-01-01&area=7"):
        args = f.filters(__import__("flask").request.args,
                         {"grid": f.Id(), "from": f.Date(), "area": f.Id(), "q": f.Text(100)})
        assert args == {"grid": None, "from": None, "area": 7, "q": ""}
        assert len(get_flashed_messages()) == 2


def test_route_ids_beyond_the_integer_range_are_not_found(client):
    assert client.get("/hazards/99999999999999999999").status_code in (302, 404)
    assert client.get(f"/hazards/{2**31}").status_code in (302, 404)
