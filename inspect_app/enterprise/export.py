"""The enterprise's signed statistics table as a workbook."""

from flask_babel import gettext as _

from .. import xlsx
from ..sites.models import Site
from .statistics import STAT_ROWS, confirmation, open_major_rows, statistics


def statistics_xlsx(site: Site, year: int, quarter: int) -> xlsx.Book:
    """The statistics table as a workbook, with the principal's signature when signed."""
    signed = confirmation(site, year, quarter)
    figures = signed.figures if signed else statistics(site, year, quarter)
    book = xlsx.Book()
    sheet = book.sheet(figures["period"], [], ["text", "int", "int", "int", "text"],
                       widths=[40, 16, 16, 16, 16], title=_("Hazard statistics table"))
    sheet.append([_("Enterprise"), site.name], ["text"] * 5)
    sheet.append([_("Period"), f"{figures['period']} ({figures['start']} – {figures['end']})"],
                 ["text"] * 5)
    sheet.append([_("Due to the authorities by"), figures["deadline"]],
                 ["text", "date", "text", "text", "text"])
    sheet.blank()
    sheet.header(["", _("General"), _("Major"), _("Total"), ""])
    for key, label in STAT_ROWS:
        if key in figures:
            sheet.append([str(label), None, None, figures[key]])
        else:
            g, m = figures[f"{key}_general"], figures[f"{key}_major"]
            sheet.append([str(label), g, m, g + m])
    rate = figures["rectification_rate"]
    sheet.append([_("Rectification rate") + " (%)", None, None, rate],
                 ["text", "int", "int", "money", "text"])
    sheet.append([_("Actual rectification cost (yuan)"), None, None,
                  figures["rectification_money"]], ["text", "int", "int", "money", "text"])
    if "planned_funds" in figures:  # tables signed before it was kept apart lack it
        sheet.append([_("Planned funds of what was closed (yuan)"), None, None,
                      figures["planned_funds"]], ["text", "int", "int", "money", "text"])
    if major_rows := open_major_rows(figures):
        sheet.blank()
        sheet.header([_("Open major hazards") + " · " + _("Five in place (五落实)"), _("Hazards"),
                      "", "", ""])
        for label, values in major_rows:
            sheet.append([label, *values], ["text", "int", "int", "text", "text"])
    if figures["majors"]:
        sheet.blank()
        sheet.header([_("Major hazards"), _("Found"), _("Deadline"), _("Closed"),
                      _("Written report")])
        for m in figures["majors"]:
            sheet.append([m["description"], m["found"], m["deadline"], m["closed"] or None,
                          _("complete") if m["report"] else _("incomplete")],
                         ["text", "date", "date", "date", "text"])
    sheet.blank()
    if signed:
        sheet.append([_("Principal's signature"), signed.signed_name, signed.confirmed_at],
                     ["text", "text", "datetime", "text", "text"])
        if signed.analysis:
            sheet.append([_("Analysis"), signed.analysis], ["text"] * 5)
        if signed.submitted_on:
            sheet.append([_("Submitted to"), signed.submitted_to, signed.submitted_on,
                          signed.submitted_by.name if signed.submitted_by else ""],
                         ["text", "text", "date", "text", "text"])
    else:
        sheet.append([_("Principal's signature"), _("not yet signed")], ["text"] * 5)
    return book
