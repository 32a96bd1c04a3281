"""Site types (codes from the domain facts), risk colours and size classes.

Codes are what checklist templates' `applies_to` name; the labels are for people.
"""

# The labels live with every other code family's (re-exported for the modules that check codes).
from ..labels import (  # noqa: F401
    FEATURES,
    HAZ_MODES,
    NINE_KINDS,
    RISK_COLORS,
    SITE_TYPES,
    SIZE_CLASSES,
)

# 工贸 sub-industries: a template for GM applies to each of them.
GM_FAMILY = ("MET", "NF", "BM", "MECH", "LIGHT", "TEX", "TOB")

RISK_ORDER = ("red", "orange", "yellow", "blue")


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
