"""Site types (codes from the domain facts), risk colours and size classes.

Codes are what checklist templates' `applies_to` name; the labels are for people.
"""

from flask_babel import lazy_gettext as _l

# 工贸 sub-industries: a template for GM applies to each of them.
GM_FAMILY = ("MET", "NF", "BM", "MECH", "LIGHT", "TEX", "TOB")

SITE_TYPES = {
    "GM": _l("Industry & trade (general)"),
    "MET": _l("Industry & trade: metallurgy"),
    "NF": _l("Industry & trade: non-ferrous metals"),
    "BM": _l("Industry & trade: building materials"),
    "MECH": _l("Industry & trade: machinery"),
    "LIGHT": _l("Industry & trade: light industry"),
    "TEX": _l("Industry & trade: textiles"),
    "TOB": _l("Industry & trade: tobacco"),
    "HAZ": _l("Hazardous chemicals"),
    "GASU": _l("Gas user (catering/commercial)"),
    "GASOP": _l("Gas operator"),
    "CON": _l("Construction site"),
    "SCON": _l("Small or sporadic works"),
    "NINE": _l("Nine small places"),
    "SELF": _l("Self-built house used for processing"),
    "MIX": _l("Three-in-one premises"),
    "PDP": _l("Crowded place"),
    "WH": _l("Warehouse"),
}

# Hazard features a site may carry on top of its type (they pull in extra checklists).
FEATURES = {
    "DUST": _l("Combustible dust"),
    "NH3": _l("Ammonia refrigeration"),
    "CS": _l("Confined spaces with toxic or asphyxiant risk"),
    "SE": _l("Special equipment"),
    "FLAM": _l("Stores flammable or explosive goods"),
    "LABOR": _l("Labour-intensive enterprise"),
    "MULTI": _l("Mixed multi-use production and business premises"),
}

# What a hazardous-chemicals (HAZ) site does with them: AQ 3067—2026 covers 生产 and
# 经营（有储存） only; a unit that only uses chemicals falls under 10号令 and GB 35181.
HAZ_MODES = {
    "PROD": _l("Produces"),
    "TRADE": _l("Trades, with storage"),
    "STORE": _l("Stores"),
    "USE": _l("Uses only"),
}

# 九小场所 kinds.
NINE_KINDS = {
    "shop": _l("Small shop"),
    "restaurant": _l("Small restaurant"),
    "hotel": _l("Small hotel"),
    "entertainment": _l("Small entertainment venue"),
    "workshop": _l("Small workshop"),
    "clinic": _l("Small clinic"),
    "school": _l("Small school or nursery"),
    "salon": _l("Small salon or bathhouse"),
    "internet": _l("Small internet cafe"),
}

RISK_COLORS = {
    "red": _l("Red (major risk)"),
    "orange": _l("Orange (high risk)"),
    "yellow": _l("Yellow (moderate risk)"),
    "blue": _l("Blue (low risk)"),
}
RISK_ORDER = ("red", "orange", "yellow", "blue")

SIZE_CLASSES = {
    "large": _l("Above designated size"),
    "medium": _l("Medium"),
    "small": _l("Small or micro"),
}


def applicable_codes(site_type: str, features, haz_modes=()) -> set[str]:
    """Every code a checklist's or an item's `applies_to` may name to cover this site:
    ALL, the type (GM for its sub-industries), each feature, and HAZ:<mode> for a HAZ site."""
    codes = {"ALL", site_type, *features}
    if site_type in GM_FAMILY:
        codes.add("GM")
    if site_type == "HAZ":
        # A HAZ site whose mode is not recorded yet (sites made before modes existed) keeps
        # the in-scope list rather than silently losing its majors.
        codes |= {f"HAZ:{m}" for m in (haz_modes or ("PROD", "TRADE"))}
    return codes


def site_type_label(site) -> str:
    """'Nine small places · Small restaurant' style label of a site's type and kind."""
    label = str(SITE_TYPES.get(site.site_type, site.site_type))
    if site.site_type == "NINE" and site.subkind in NINE_KINDS:
        label = f"{label} · {NINE_KINDS[site.subkind]}"
    features = [str(FEATURES[f]) for f in site.feature_codes if f in FEATURES]
    modes = [str(HAZ_MODES[m]) for m in site.haz_mode_codes if m in HAZ_MODES]
    return " · ".join([label, *modes, *features])
