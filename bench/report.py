"""`make bench`'s table: every figure beside its floor, the ratio, issue 15's target and a mark.

Pure functions over bench/run.py's results (a list of one dict per scale), so a partial run
(a page that timed out, a section that failed, an interrupted city) still prints what it
measured. Rendered as aligned text for the terminal, or as Markdown to paste into a note.
"""

import math
from dataclasses import dataclass, field

# Issue 15's targets (ratios in one run, or milliseconds where the issue gives them).
WRK_RPS_TARGET = {"scan": 1 / 3, "site": 1 / 3, "tick": 1 / 3, "checklist": 1 / 4}
FIELD_PAGES = ("scan", "site", "checklist", "tick", "queue")  # p95 ≤ 3× the floor's under load
WRK_P95_TARGET = 3.0
ONE_CLIENT_P95_MS = {"zone": 15.0, "city": 100.0}
GROWTH_TARGET = 0.1
GROWTH_PAGES = ("inspector home", "supervisor home", "queue", "major dashboard",
                "rectification ledger", "inspections ledger", "hazards ledger",
                "responsibility ledger")
FCP_TARGET = 1.1

PASS, MISS, FAIL = "pass", "MISS", "FAIL"


@dataclass
class Section:
    title: str
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)


def mark(value, target, higher_is_better=False) -> str:
    """pass/MISS against a target; '' where there is none, FAIL where nothing was measured."""
    if target is None:
        return ""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return FAIL
    ok = value >= target if higher_is_better else value <= target
    return PASS if ok else MISS


def exponent(small: float | None, large: float | None, n_small: int, n_large: int):
    """The growth exponent k of time ∝ rows^k between two scales (None if either is missing)."""
    if not small or not large or n_small <= 0 or n_large <= n_small:
        return None
    return math.log(large / small) / math.log(n_large / n_small)


def _num(value, digits=1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:,.{digits}f}"


def _ratio(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.3f}" if value < 1 else f"{value:.2f}"


def _one_client(r: dict) -> Section:
    scale = r["scale"]
    target = ONE_CLIENT_P95_MS.get(scale)
    db = "" if r.get("database") == "postgresql" else " (the target is PostgreSQL's)"
    others = " and ".join(r.get("alternated_with") or [])
    with_ = f", in turn with the {others}'s (served at once)" if others else ""
    s = Section(f"one client, {scale} scale: p50/p95 ms, page and bare route alternated"
                f"{with_}{db}{_blocks(r.get('blocks'))}",
                ["page", "n", "p50 ms", "p95 ms", "floor p50", "floor p95", "p95 × floor",
                 "target p95", "mark", "status"])
    for name, f in (r.get("one_client") or {}).items():
        status = f.get("status", "ok")
        # A page that failed or timed out part way passes nothing, whatever its samples say.
        m = mark(f.get("p95"), target) if status == "ok" else FAIL
        s.rows.append([name, str(f.get("n", 0)), _num(f.get("p50")), _num(f.get("p95")),
                       _num(f.get("floor_p50")), _num(f.get("floor_p95")),
                       _ratio(f.get("ratio_p95")), f"≤ {target:g} ms" if target else "",
                       m, status])
    return s


def _blocks(b: dict | None) -> str:
    """PostgreSQL's blocks over the one-client figures: found in shared buffers or read."""
    if not b or b.get("hit_share") is None:
        return ""
    return (f"; {b['hit_share']:.1%} of {b['hit'] + b['read']:,} blocks in shared buffers"
            f" ({b['read']:,} read)")


def _wrk(r: dict) -> Section:
    s = Section("50 connections (wrk), page and bare route runs alternated",
                ["page", "req/s", "floor req/s", "× floor", "target", "mark",
                 "p95 ms", "floor p95", "× floor", "target", "mark", "errors"])
    for name, w in r["wrk"].items():
        if "error" in w:
            s.rows.append([name, "—", "—", "—", "", FAIL, "—", "—", "—", "", FAIL, w["error"]])
            continue
        rps_t = WRK_RPS_TARGET.get(name)
        p95_t = WRK_P95_TARGET if name in FIELD_PAGES else None
        s.rows.append([name, _num(w["rps"], 0), _num(w["floor_rps"], 0), _ratio(w["ratio_rps"]),
                       f"≥ {rps_t:.2f}" if rps_t else "", mark(w["ratio_rps"], rps_t, True),
                       _num(w["p95_ms"]), _num(w["floor_p95_ms"]), _ratio(w["ratio_p95"]),
                       f"≤ {p95_t:g}" if p95_t else "", mark(w["ratio_p95"], p95_t),
                       str(w.get("errors", 0))])
    return s


def _bytes(r: dict) -> Section:
    b = r["bytes"]
    floor = b.get("floor page + htmx")
    s = Section("bytes on the wire (br/gzip as a phone receives them)",
                ["page", "bytes", "× floor page + htmx"])
    for name, n in b.items():
        s.rows.append([name, f"{n:,}" if isinstance(n, int) else str(n),
                       _ratio(n / floor) if isinstance(n, int) and floor else "—"])
    return s


def _browser(r: dict) -> Section:
    b = r["browser"]
    s = Section(f"checklist in Chromium, slow 4G (150 ms, 1.6/0.75 Mbps), CPU 4×, median of "
                f"{b.get('rounds', '?')}", ["page", "FCP ms", "load ms", "FCP × floor",
                                            "target", "mark"])
    for visit in ("first", "repeat"):
        f, c = b.get(f"floor_{visit}") or {}, b.get(f"checklist_{visit}") or {}
        s.rows.append([f"floor page, {visit} visit", _num(f.get("fcp"), 0),
                       _num(f.get("load"), 0), "1", "", ""])
        ratio = b.get(f"ratio_fcp_{visit}")
        s.rows.append([f"checklist, {visit} visit", _num(c.get("fcp"), 0),
                       _num(c.get("load"), 0), _ratio(ratio), f"≤ {FCP_TARGET:g}",
                       mark(ratio, FCP_TARGET)])
    return s


def growth(zone: dict, city: dict) -> dict:
    """name -> zone/city p50 and p95 and their exponents, for the pages measured at both."""
    n0, n1 = zone["ids"]["rows"]["hazards"], city["ids"]["rows"]["hazards"]
    out = {}
    for name, a in (zone.get("one_client") or {}).items():
        c = (city.get("one_client") or {}).get(name)
        if c is None:
            continue
        out[name] = {"zone_p50": a.get("p50"), "city_p50": c.get("p50"),
                     "zone_p95": a.get("p95"), "city_p95": c.get("p95"),
                     "zone_floor_p50": a.get("floor_p50"), "city_floor_p50": c.get("floor_p50"),
                     "exponent_p50": exponent(a.get("p50"), c.get("p50"), n0, n1),
                     "exponent_p95": exponent(a.get("p95"), c.get("p95"), n0, n1)}
    return out


def _growth(zone: dict, city: dict) -> Section:
    n0, n1 = zone["ids"]["rows"]["hazards"], city["ids"]["rows"]["hazards"]
    how = ("zone and city served at once, their requests alternated"
           if "city" in (zone.get("alternated_with") or [])
           else "zone and city measured one after the other: a change of load between them "
                "counts as growth")
    s = Section(f"growth exponent k (time ∝ hazards^k), {n0:,} → {n1:,} hazards, from the "
                f"one-client medians (p95's beside; {how})",
                ["page", "zone p50", "city p50", "k (p50)", "zone p95", "city p95", "k (p95)",
                 "target", "mark", "floor p50 zone", "floor p50 city"])
    for name, g in growth(zone, city).items():
        target = GROWTH_TARGET if name in GROWTH_PAGES else None
        s.rows.append([name, _num(g["zone_p50"]), _num(g["city_p50"]), _ratio2(g["exponent_p50"]),
                       _num(g["zone_p95"]), _num(g["city_p95"]), _ratio2(g["exponent_p95"]),
                       f"≤ {target:g}" if target else "", mark(g["exponent_p50"], target),
                       _num(g["zone_floor_p50"]), _num(g["city_floor_p50"])])
    return s


def _ratio2(value) -> str:
    return "—" if value is None else f"{value + 0.0:.2f}".replace("-0.00", "0.00")


def sections(results: list[dict]) -> list[Section]:
    out = []
    for r in results:
        ids = r.get("ids") or {}
        rows = ids.get("rows") or {}
        head = (f"{r['scale']} ({r.get('database', '?')}; {rows.get('sites', '?'):,} sites, "
                f"{rows.get('hazards', '?'):,} hazards, {rows.get('answers', '?'):,} answers; "
                if rows else f"{r['scale']} ({r.get('database', '?')}; ")
        head += (f"generated in {ids['generate_s']} s" if ids.get("generate_s") is not None
                 else "reused" if ids.get("reused") else "not generated")
        if r.get("measure_s") is not None:
            head += f", measured in {r['measure_s']} s"
        out.append(Section(f"== {head})", []))
        for key, build in (("one_client", _one_client), ("wrk", _wrk), ("bytes", _bytes),
                           ("browser", _browser)):
            value = r.get(key)
            if isinstance(value, dict) and "error" in value and len(value) == 1:
                out.append(Section(f"{key}: failed: {value['error']}", []))
            elif isinstance(value, str):
                out.append(Section(f"{key}: {value}", []))
            elif value:
                out.append(build(r))
        for err in r.get("errors", []):
            out.append(Section(f"error: {err}", []))
    scales = {r["scale"]: r for r in results if (r.get("ids") or {}).get("rows")}
    if "zone" in scales and "city" in scales:
        out.append(_growth(scales["zone"], scales["city"]))
    tally = {PASS: 0, MISS: 0, FAIL: 0}
    for s in out:
        for row in s.rows:
            for cell in row:
                if cell in tally:
                    tally[cell] += 1
    out.append(Section(f"targets: {tally[PASS]} pass, {tally[MISS]} miss, {tally[FAIL]} failed",
                       []))
    return out


def render_text(secs: list[Section]) -> str:
    lines = []
    for s in secs:
        lines.append(("\n" if s.title.startswith("==") else "") + s.title)
        if not s.header:
            continue
        grid = [s.header, *s.rows]
        widths = [max(len(row[i]) for row in grid) for i in range(len(s.header))]
        for row in grid:
            cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:],
                                                                             strict=True)]
            lines.append("  ".join(cells).rstrip())
        lines.append("")
    return "\n".join(lines)


def render_markdown(secs: list[Section]) -> str:
    lines = []
    for s in secs:
        title = s.title.removeprefix("== ")
        lines.append(f"\n### {title}\n" if s.title.startswith("==") else f"\n**{title}**\n")
        if not s.header:
            continue
        lines.append("| " + " | ".join(s.header) + " |")
        lines.append("|" + "|".join("---" if i == 0 else "---:" for i in range(len(s.header)))
                     + "|")
        for row in s.rows:
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in row) + " |")
    return "\n".join(lines).lstrip() + "\n"
