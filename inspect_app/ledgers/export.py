"""The five lists and the major-hazard database as xlsx ledgers (台账), streamed.

Laid out like a government ledger: the list's name as a title row, the filters, scope and
export date under it, Chinese headers whatever the UI language (the file is the official
ledger), a frozen header, real date cells and numbers. Rows go from the database cursor into
the one xlsx writer (inspect_app/xlsx.py: write-only, streamed, formula-like text escaped),
so a 100,000-row ledger never sits in memory.
"""

from datetime import date
from typing import IO

from flask_babel import force_locale
from flask_babel import gettext as _

from .. import labels, xlsx
from ..access import is_enterprise_staff, is_inspector
from ..auth.models import User
from ..connections import snapshot
from ..timeutil import local_minute, local_today
from . import dashboard, service, stats
from .major import PARTS
from .service import Filters, Ledger

XLSX = xlsx.MIMETYPE
# A ledger's rows in one sheet: Excel's 1,048,576 less the title, filters and header rows.
XLSX_MAX_ROWS = 1_048_576 - 3

# Column headers, one dict per list, keyed by service's column keys (a test keeps them in step).
INSPECTION_HEADERS = {
    "id": "序号", "submitted_at": "检查时间", "area": "片区", "grid": "网格", "site": "单位名称",
    "site_type": "行业类型", "kind": "检查类型", "inspector": "检查人", "led_by": "带队人",
    "checklist": "检查表", "version": "版本", "items": "检查项数", "failed": "不合格项数",
    "hazards": "发现隐患数", "from_scan": "现场扫码",
}
HAZARD_HEADERS = {
    "id": "隐患编号", "found_on": "发现日期", "area": "片区", "grid": "网格", "site": "单位名称",
    "site_type": "行业类型", "item": "检查项编号", "description": "隐患描述",
    "location": "隐患部位",
    "level": "隐患等级", "source": "发现渠道", "found_by": "发现人", "deadline": "整改期限",
    "status": "状态", "overdue": "是否逾期", "closed_at": "销号时间",
}
RECTIFICATION_HEADERS = {
    "id": "隐患编号", "area": "片区", "grid": "网格", "site": "单位名称", "site_type": "行业类型",
    "description": "隐患描述", "level": "隐患等级", "responsible": "整改责任人",
    "responsible_phone": "联系电话", "measures": "整改措施", "funds": "整改资金（元）",
    "deadline": "整改期限", "submitted_at": "整改提交时间", "submitted_by": "提交人",
    "rectified_note": "整改情况", "cost": "整改费用（元）", "verified_at": "复查销号时间",
    "verified_by": "复查人", "days": "整改用时（天）", "status": "状态", "overdue": "是否逾期",
}
RESPONSIBILITY_HEADERS = {
    "area": "片区", "grid": "网格", "site": "单位名称", "site_type": "行业类型", "duty": "责任类别",
    "who": "责任人（单位）", "phone": "联系电话", "hazard_id": "隐患编号",
    "hazard": "责任事项（隐患）",
    "level": "隐患等级", "deadline": "期限", "note": "督办文号",
}
ENFORCEMENT_HEADERS = {
    "id": "序号", "referred_at": "移送时间", "area": "片区", "grid": "网格", "site": "单位名称",
    "site_type": "行业类型", "hazard_id": "隐患编号", "hazard": "隐患描述", "level": "隐患等级",
    "department": "执法部门", "measure": "执法措施", "reason": "移送原因", "status": "办理状态",
    "case_no": "案件编号", "outcome": "处理结果", "penalty": "罚款金额（元）",
    "closed_at": "结案时间",
    "referred_by": "移送人",
}
MAJOR_HEADERS = {
    "id": "隐患编号", "area": "片区", "grid": "网格", "site": "单位名称", "site_type": "行业类型",
    "regime": "隐患类别", "authority": "认定部门",
    "description": "隐患描述", "source": "排查渠道", "found_on": "发现日期", "stock": "存量/增量",
    "deadline": "整改期限", "status": "状态", "overdue": "是否逾期",
    "report_state_cause": "现状及产生原因", "report_harm_difficulty": "危害程度和整改难易程度",
    "plan_goal": "治理方案：目标和任务", "measures": "治理方案：方法和措施",
    "plan_resources": "治理方案：经费和物资", "plan_organisation": "治理方案：负责机构和人员",
    "plan_timeline": "治理方案：时限和要求", "plan_emergency": "治理方案：安全措施和应急预案",
    "report": "书面报告完整性", "supervision": "督办状态", "supervision_level": "督办级别",
    "office": "督办单位", "doc_no": "督办文号", "supervision_due": "督办期限",
    "closed_at": "销号时间", "funds": "整改资金（元）", "interim_measures": "临时安全措施",
    "enforcement": "执法措施", "case_status": "执法办理状态", "case_no": "执法案件编号",
    "penalty": "罚款金额（元）", "level": "认定等级", "level_decided_by": "认定人",
    "level_reason": "等级认定理由",
    "stop_work": "停产停业措施", "stop_work_doc": "停产停业文书编号", "stop_work_lifted": "是否已解除停产",
    "assessment_by": "评估单位（人员）", "assessment_qualified": "评估机构是否具备资质",
    "assessment_doc": "是否附评估报告", "resume_applied_at": "复产申请提交时间",
    "resume_doc": "是否附复产申请书", "write_off_doc": "核销文书编号", "written_off_by": "核销人",
    "written_off_at": "核销时间",
}
HEADERS = {"inspections": INSPECTION_HEADERS, "hazards": HAZARD_HEADERS,
           "rectification": RECTIFICATION_HEADERS, "responsibility": RESPONSIBILITY_HEADERS,
           "enforcement": ENFORCEMENT_HEADERS, "major": MAJOR_HEADERS}



class Words:
    """The page's label tables in Chinese (made once per file): a code reads the same on the
    page and in the file, whatever the UI language."""

    def __init__(self, ledger: Ledger | None = None):
        self.codes = labels.in_chinese()
        with force_locale("zh"):
            self.parts = {k: str(v) for k, v in PARTS.items()}
            self.statuses = {k: str(v) for k, v in (ledger.statuses if ledger else {}).items()}
            self.yes_no = {True: _("Yes"), False: _("No")}
            self.complete, self.missing = _("Complete"), _("Missing: %(parts)s")

    def worder(self, kind: str):
        """How a value of a column of `kind` is put in the ledger's words: codes in Chinese
        (dates, money and text are typed by the writer). Chosen once per column, not per cell;
        None: as it is (the writers leave None and "" empty)."""
        if kind in self.codes:
            get = self.codes[kind].get
            return lambda value: get(value, value) if value != "" else None
        if kind == "bool":
            yes_no = self.yes_no
            return lambda value: None if value is None or value == "" else yes_no[bool(value)]
        if kind == "parts":
            return self._parts
        return None

    def _parts(self, value):
        if value is None or value == "":
            return None
        return (self.missing % {"parts": "、".join(self.parts[p] for p in value)} if value
                else self.complete)


TARGETS_ZH = {"stock_cleared": "2024年底前基本消除2023年及以前排查发现的重大事故隐患存量",
              "increment_curbed": "2025年底前有效遏制重大事故隐患增量",
              "dynamic_zero": "2026年底前形成重大事故隐患动态清零的常态化机制"}
TARGET_MEASURES_ZH = {"stock_cleared": "存量到期未销号数",
                      "increment_curbed": "目标年度新发现重大隐患数（基准年度数见说明）",
                      "dynamic_zero": "超期销号或超期未销号数"}
TARGET_STATES_ZH = {"met": "已达成", "not_met": "未达成", "pending": "推进中"}

FILTERS_ZH = {"area": "片区：{}", "grid": "网格：{}", "type": "行业：{}", "level": "隐患等级：{}",
              "status": "状态：{}", "regime": "隐患类别：{}"}


def describe(ledger: Ledger, filters: Filters, words: Words | None = None) -> str:
    """The filters, in the ledger's words."""
    words = words or Words(ledger)
    parts = [f"{ledger.period_zh}：{value[0] or '不限'} 至 {value[1] or '不限'}" if key == "period"
             else FILTERS_ZH[key].format(value)
             for key, value in service.filter_words(ledger, filters, words.codes, words.statuses)]
    return "筛选条件：" + ("；".join(parts) if parts else "全部")


def scope_note(user: User) -> str:
    """Whose rows the file holds: a ledger must say when it is not the whole zone's."""
    if is_inspector(user):
        return "范围：" + "、".join(sorted(g.name for g in user.grids))
    if is_enterprise_staff(user):
        return f"范围：{user.site.name if user.site else ''}"
    return "范围：全园区"


def file_name(ledger: Ledger, today: date) -> str:
    return f"{ledger.title_zh}_{today.isoformat()}.xlsx"


class _Sheet:
    """A ledger sheet: the writer's Sheet, with each value first put in the ledger's words."""

    def __init__(self, book: xlsx.Book, name: str, title: str, subtitle: str,
                 headers: list[str], kinds: list[str], widths: list[int],
                 words: Words | None = None, autofilter: bool = False):
        self.sheet = book.sheet(name, headers, kinds, widths=widths, title=title,
                                subtitle=subtitle, autofilter=autofilter)
        words = words or Words()
        self.worders = [words.worder(kind) for kind in kinds]

    @property
    def rows(self) -> int:
        return self.sheet.rows

    def append(self, values) -> None:
        self.sheet.append([v if word is None else word(v)
                           for word, v in zip(self.worders, values, strict=True)])


def write_ledger(ledger: Ledger, user: User, filters: Filters, out: str | IO[bytes],
                 today: date | None = None) -> int:
    """Write the list, as `user` may see it, to `out` (a path or binary file); returns its rows."""
    today = today or local_today()
    book = xlsx.Book()
    rows = _fill(book, ledger, user, filters, today)
    book.save(out)
    return rows


def _fill(wb: xlsx.Book, ledger: Ledger, user: User, filters: Filters, today: date) -> int:
    columns, words = ledger.columns, Words(ledger)
    subtitle = "　　".join([describe(ledger, filters, words), scope_note(user),
                           f"导出日期：{today.isoformat()}"])
    sheet = _Sheet(wb, ledger.title_zh, ledger.title_zh, subtitle,
                   [HEADERS[ledger.slug][c.key] for c in columns], [c.kind for c in columns],
                   [c.width for c in columns], words, autofilter=True)
    # One moment's ledger, however many reads its rows take (connections.snapshot).
    with snapshot():
        for row in service.rows(ledger, user, filters, today):
            sheet.append(row)
        if ledger is service.MAJOR:
            # Counted live, in the same snapshot, not read from the summary: the sheet's
            # figures are those of the rows above.
            _write_dashboard(wb, dashboard.dashboard(user, filters, today,
                                                     regime=filters.regime, live=True), words)
    return sheet.rows


def _write_dashboard(wb: xlsx.Book, board: stats.Dashboard, words: Words) -> None:
    """The database's statistics: figures by area, industry and year, and the plan's targets."""
    counted = local_minute(board.counted_at) if board.counted_at else ""
    subtitle = (f"存量：{board.cutoff.isoformat()}及以前排查发现"
                f"　　统计日期：{board.today.isoformat()}"
                + (f"　　统计时间：{counted}" if counted else ""))
    sheet = _Sheet(wb, "统计分析", "重大事故隐患统计分析", subtitle,
                   ["分类", "项目", "合计", "未销号", "已销号", "逾期", "督办中", "存量",
                    "存量未销号", "存量清零率", "增量", "增量未销号", "增量清零率", "总清零率"],
                   ["text", "text", *["int"] * 7, "percent", "int", "int", "percent", "percent"],
                   [10, 20, 8, 8, 8, 8, 8, 8, 10, 10, 8, 10, 10, 10], words)
    groups = [("合计", [("全部", board.overall)]),
              ("按片区", board.by_area),
              ("按行业", [(words.codes["site_type"].get(code, code), t)
                        for code, t in board.by_industry]),
              ("按发现年份", [(f"{year}年", t) for year, t in board.by_year]),
              ("按隐患类别", [(words.codes["regime"].get(r, r), t) for r, t in board.by_regime])]
    for group, tallies in groups:
        for name, t in tallies:
            sheet.append([group, name, t.total, t.open, t.closed, t.overdue, t.supervised, t.stock,
                          t.stock_open, t.stock_rate, t.increment, t.increment_open,
                          t.increment_rate, t.clearing_rate])
    targets = _Sheet(wb, "三年行动目标", "治本攻坚三年行动目标完成情况",
                     f"统计日期：{board.today.isoformat()}",
                     ["目标", "期限", "考核指标", "当前值", "完成情况", "口径"],
                     ["text", "date", "text", "int", "text", "text"], [48, 12, 30, 8, 10, 60])
    for target in board.targets:
        with force_locale("zh"):
            definition = board.rules.definition(target.key)
        if target.baseline is not None:
            definition += f"（基准年度：{target.baseline}）"
        targets.append([TARGETS_ZH[target.key], target.due, TARGET_MEASURES_ZH[target.key],
                        target.figure, TARGET_STATES_ZH[target.state], definition])


def send(ledger: Ledger, user: User, filters: Filters, today: date | None = None):
    """The ledger as a download, built in a temporary file deleted once it has been sent."""
    today = today or local_today()
    book = xlsx.Book()
    _fill(book, ledger, user, filters, today)
    return book.response(f"{ledger.slug}_{today.isoformat()}.xlsx", file_name(ledger, today))


def write_with(book, ledger: Ledger, user: User, filters: Filters, today: date | None = None) -> int:
    """Fill another writer with the Book interface (the queued export's xlsx and CSV, jobs.py)."""
    return _fill(book, ledger, user, filters, today or local_today())
