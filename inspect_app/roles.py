"""The roles a user can have (kept apart from the models so any module can import them)."""

from enum import StrEnum


class Role(StrEnum):
    INSPECTOR = "inspector"  # 网格员
    ENTERPRISE = "enterprise"  # 企业人员 (principal, safety manager, staff)
    WORKER = "worker"  # 一线员工
    SUPERVISOR = "supervisor"  # 园区监管人员
    ADMIN = "admin"


# The zone's own staff: they see every enterprise and decide for the zone (access.is_zone_staff).
ZONE_STAFF = (Role.SUPERVISOR, Role.ADMIN)


class Position(StrEnum):
    PRINCIPAL = "principal"  # 主要负责人
    SAFETY_MANAGER = "safety_manager"  # 安全管理人员
    STAFF = "staff"


# Who runs an enterprise's own hazard loop (plan §二(四)12): they confirm and verify the general
# hazards the enterprise found itself (access.leads_safety).
SAFETY_LEADS = (Position.PRINCIPAL, Position.SAFETY_MANAGER)
