"""Which regime a major hazard falls under, and which authority decides it.

Two national regimes share the word 重大: 重大事故隐患 (10号令 for 工贸, AQ 3067 for hazchem,
建质规 for construction; 应急管理 or 住建 decide) and 重大火灾隐患 (GB 35181, decided by the
消防救援机构). The statistics keep them apart (audit §2 gap 5).
"""

from enum import StrEnum

from .. import labels


class Regime(StrEnum):
    ACCIDENT = "accident"  # 重大事故隐患
    FIRE = "fire"  # 重大火灾隐患


class Authority(StrEnum):
    EMERGENCY = "emergency"  # 应急管理部门
    HOUSING = "housing"  # 住房和城乡建设部门
    FIRE_RESCUE = "fire"  # 消防救援机构


# The words are in labels.py (items and hazards share the regime codes).
REGIMES, AUTHORITIES = labels.REGIMES, labels.AUTHORITIES

CONSTRUCTION_TYPES = frozenset({"CON", "SCON"})


def default_authority(regime: str, site_type: str) -> Authority:
    """Fire hazards go to the fire service, construction ones to 住建, the rest to 应急管理."""
    if regime == Regime.FIRE:
        return Authority.FIRE_RESCUE
    return Authority.HOUSING if site_type in CONSTRUCTION_TYPES else Authority.EMERGENCY


def label(table, code: str) -> str:
    return str(table.get(code, code)) if code else ""
