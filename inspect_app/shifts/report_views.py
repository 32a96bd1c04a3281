"""Workers' hazard reports (隐患报告) and the enterprise's reward record."""

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import forms as f
from ..access import ZONE_STAFF, allow, is_enterprise_staff, is_zone_staff
from ..errors import Invalid, UserError
from ..roles import Role
from ..timeutil import local_today
from ..web import page, redirect_to
from . import bp, reports, rules, teams
from .forms import REPORT, REWARD, site_arg


@bp.route("/shifts/teams/<int:team_id>/report", methods=["GET", "POST"])
@allow(Role.WORKER)
def report(team_id: int):
    team = teams.get_team_for(current_user, team_id)
    if not rules.can_report(current_user, team, teams.member_team_id(current_user)):
        return redirect(url_for(".team", team_id=team.id))
    form, errors = {"submit_key": reports.new_key()}, {}
    if request.method == "POST":
        form = request.form.to_dict()
        try:
            reports.report_hazard(current_user, team, f.parse(request.form, REPORT),
                                  request.files.get("photo"))
            flash(_("Thank you. Your report was sent to your enterprise's principal and safety "
                    "manager to confirm. You will be told here when it is confirmed.")
                  if reports.confirmers(team.site_id)[1] else
                  _("Thank you. Your report was sent to the zone's supervisors to confirm. You "
                    "will be told here when it is confirmed."), "success")
            return redirect_to(url_for(".my_reports"))
        except Invalid as e:
            errors = e.errors
    return page("shifts/report.html", "report_form", 422 if errors else 200, team=team,
                form=form, errors=errors)


@bp.get("/shifts/my-reports")
@allow(Role.WORKER)
def my_reports():
    return page("shifts/my_reports.html", reports=reports.my_reports(current_user),
                counts_for_reward=rules.counts_for_reward)


def _reward_site() -> int:
    if is_enterprise_staff(current_user):
        return current_user.site_id
    return site_arg(request.args) or 0


@bp.get("/shifts/rewards")
@allow(Role.ENTERPRISE, *ZONE_STAFF)
def rewards():
    found = reports.site_reports(current_user, _reward_site())
    return page("shifts/rewards.html", reports=found, record=reports.reward_record(found),
                counts_for_reward=rules.counts_for_reward, site_id=_reward_site(),
                can_reward=rules.can_manage_people(current_user),
                any_site=is_zone_staff(current_user))


@bp.get("/shifts/rewards.xlsx")
@allow(Role.ENTERPRISE, *ZONE_STAFF)
def rewards_export():
    found = reports.site_reports(current_user, _reward_site())
    return reports.reward_workbook(found).response(
        f"hazard-report-rewards-{local_today().isoformat()}.xlsx")


@bp.post("/shifts/reports/<int:report_id>/reward")
@allow(Role.ENTERPRISE)
def reward(report_id: int):
    try:
        v = f.parse(request.form, REWARD)
        reports.record_reward(current_user, report_id, v.amount, v.note)
        flash(_("Reward recorded."), "success")
    except UserError as e:
        flash(e.message, "error")
    return redirect_to(url_for(".rewards") + f"#report-{report_id}")
