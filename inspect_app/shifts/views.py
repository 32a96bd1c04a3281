"""Team pages, the shift meeting (open, check in, board, close), stops, compliance, reports."""


from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .. import forms, periods, throttle
from .. import forms as f
from ..access import ZONE_STAFF, allow, is_enterprise_staff, is_worker, is_zone_staff, public
from ..admin.forms import Codes
from ..errors import Invalid, UserError
from ..qr import qr_svg
from ..roles import Role
from ..sites.types import RISK_COLORS
from ..timeutil import local_today
from ..web import page, poster_url, qr_png_response, redirect_to, safe_next
from . import bp, compliance, meetings, reports, rules, teams
from .models import CheckIn, Meeting, Post, Team, WorkerReport

ENTERPRISE = (Role.ENTERPRISE,)
TEAM_ROLES = (Role.ENTERPRISE, Role.WORKER)  # who takes part in a meeting
VIEWERS = (Role.ENTERPRISE, Role.WORKER, *ZONE_STAFF)
WEEKDAYS = [("1", _l("Mon")), ("2", _l("Tue")), ("3", _l("Wed")), ("4", _l("Thu")),
            ("5", _l("Fri")), ("6", _l("Sat")), ("7", _l("Sun"))]


TEAM = {"name": f.Text(column=Team.name, multiline=False, label=_l("Name")),
        "shifts": f.Text(column=Team.shifts, label=_l("Shifts")),
        "workdays": f.Ids(label=_l("Working days")),
        "late_minutes": f.Int(0, 240, default=rules.DEFAULT_LATE_MINUTES, label=_l("Minutes")),
        "leader_id": f.Id(label=_l("Leader"))}
REWARD = {"amount": f.Money(column=WorkerReport.reward_amount, required=True,
                            label=_l("Reward (yuan)")),
          "note": f.Text(500, label=_l("Reward note"))}
# The meeting's forms. Choices that depend on the team (its shifts) or on other answers (the
# five thinks) are checked by meetings.py and rules.py; these only bound what may be stored.
OPEN = {"shift": f.Text(column=Meeting.shift, multiline=False, label=_l("Shift"))}
CLOSE = {"note": f.Text(column=Meeting.note, label=_l("Note")),
         "upload_key": f.Text(56, multiline=False)}
RESOLVE = {"resolution": f.Text(2000, label=_l("How was it resolved?"))}
CHECKIN = {"confirmed": Codes(label=_l("Five thinks: tap each one that is true")),
           "fit": f.Text(8, multiline=False, label=_l("Fit to work")),
           "decision": f.Text(column=CheckIn.decision, multiline=False, label=_l("Check in")),
           "reason": f.Text(500, label=_l("Reason")),
           "pin": f.Text(16, multiline=False, label=_l("PIN"))}
REPORT = {"submit_key": f.Text(64, multiline=False),
          "description": f.Text(2000, label=_l("What did you see?")),
          "location": f.Text(200, multiline=False, label=_l("Where?"))}
POST = {"name": f.Text(column=Post.name, multiline=False, label=_l("Name")),
        "risk_color": f.Choice(RISK_COLORS, label=_l("Risk colour")),
        **{key: f.Text(1000) for key in ("risks", "measures", "emergency")}}


def team_url(team) -> str:
    """What a team's QR code encodes: BASE_URL when set (the address phones can reach)."""
    return poster_url(f"/t/{team.qr_token}")


def _checkin_input(form) -> dict:
    """What was typed, shown again beside the errors."""
    return {"confirmed": form.getlist("confirmed"), "fit": form.get("fit", ""),
            "decision": form.get("decision", ""), "reason": form.get("reason", ""),
            "pin": form.get("pin", "")}


def _period(default: str = "week") -> periods.Period:
    args = forms.filters(request.args, {"period": forms.Choice(("week", "month"), default=default),
                                        "at": forms.Date()})
    return periods.period_of(args.period, args.at or local_today())


def _site_arg() -> int | None:
    return forms.filters(request.args, {"site": forms.Id()}).site


@bp.get("/t/<token>")
@public  # an unknown code is explained to anyone; a valid one needs a login (below)
def scan(token: str):
    team = teams.team_by_token(token)
    if team is None:
        return page("shifts/bad_code.html", http_status=404)
    if not current_user.is_authenticated:  # workers log in with their PIN
        return redirect(url_for("auth.pin_login", next=request.path))
    return redirect(url_for(".team", team_id=teams.get_team_for(current_user, team.id).id))


# Teams --------------------------------------------------------------------------------------

@bp.get("/shifts/")
@allow(*TEAM_ROLES)
def index():
    mine = teams.teams_for(current_user)
    if is_worker(current_user):
        return redirect(url_for(".team", team_id=mine[0].id) if mine else url_for("home.index"))
    return page("shifts/index.html", teams=mine,
                todays={t.id: meetings.todays_meetings(t) for t in mine},
                stops=meetings.open_stops(current_user))


@bp.route("/shifts/teams/new", methods=["GET", "POST"], defaults={"team_id": None})
@bp.route("/shifts/teams/<int:team_id>/edit", methods=["GET", "POST"])
@allow(*ENTERPRISE)
def team_edit(team_id: int | None):
    team = teams.get_managed_team(current_user, team_id) if team_id else None
    form, errors = teams.team_form(team), {}
    if request.method == "POST":
        form = {**request.form.to_dict(), "workdays": request.form.getlist("workdays")}
        try:
            team = teams.save_team(current_user, f.parse(request.form, TEAM), team_id)
            flash(_("Team saved."), "success")
            return redirect_to(url_for(".team", team_id=team.id))
        except Invalid as e:
            errors = e.errors
    people = teams.site_people(current_user.site_id, (Role.WORKER, Role.ENTERPRISE))
    return page("shifts/team_form.html", "team_form", 422 if errors else 200, team=team,
                form=form, errors=errors, weekdays=WEEKDAYS,
                leaders=[(u.id, u.name) for u in people])


@bp.get("/shifts/teams/<int:team_id>")
@allow(*VIEWERS)
def team(team_id: int):
    team = teams.get_team_for(current_user, team_id)
    mine = teams.member_team_id(current_user) == team.id
    todays = [(m, meetings.checkin_of(m, current_user)) for m in meetings.todays_meetings(team)]
    manage = rules.can_manage_team(current_user, team)
    return page("shifts/team.html", team=team, meetings=todays, mine=mine, manage=manage,
                lead=rules.can_lead(current_user, team),
                members=teams.members_of(team),
                stops=[s for s in meetings.open_stops(current_user)
                       if s.meeting.team_id == team.id],
                workers=teams.site_people(team.site_id) if manage else [],
                opened={m.shift for m, _ in todays})


@bp.route("/shifts/teams/<int:team_id>/posts/new", methods=["GET", "POST"],
          defaults={"post_id": None})
@bp.route("/shifts/teams/<int:team_id>/posts/<int:post_id>/edit", methods=["GET", "POST"])
@allow(*ENTERPRISE)
def post_edit(team_id: int, post_id: int | None):
    team = teams.get_managed_team(current_user, team_id)
    post = next((p for p in team.posts if p.id == post_id), None) if post_id else None
    form, errors = teams.post_form(post), {}
    if request.method == "POST":
        form = request.form.to_dict()
        try:
            teams.save_post(current_user, team, f.parse(request.form, POST), post_id)
            flash(_("Post saved."), "success")
            return redirect_to(url_for(".team", team_id=team.id))
        except Invalid as e:
            errors = e.errors
    return page("shifts/post_form.html", "post_form", 422 if errors else 200, team=team,
                post=post, form=form, errors=errors, risk_colors=RISK_COLORS)


@bp.post("/shifts/teams/<int:team_id>/members")
@allow(*ENTERPRISE)
def member_set(team_id: int):
    team = teams.get_managed_team(current_user, team_id)
    v = forms.parse(request.form, {"user_id": forms.Id(label=_l("Member")),
                                   "post_id": forms.Id(label=_l("Post"))})
    member = teams.set_member(current_user, team, v.user_id, v.post_id)
    flash(_("%(name)s is in the team.", name=member.user.name), "success")
    return redirect_to(url_for(".team", team_id=team.id))


@bp.post("/shifts/teams/<int:team_id>/members/<int:user_id>/remove")
@allow(*ENTERPRISE)
def member_remove(team_id: int, user_id: int):
    team = teams.get_managed_team(current_user, team_id)
    teams.remove_member(current_user, team, user_id)
    flash(_("Removed from the team."), "success")
    return redirect_to(url_for(".team", team_id=team.id))


@bp.post("/shifts/teams/<int:team_id>/<any(deactivate, reactivate):action>")
@allow(*ENTERPRISE)
def team_active(team_id: int, action: str):
    team = teams.get_managed_team(current_user, team_id)
    teams.set_team_active(current_user, team, action == "reactivate")
    flash(_("Reactivated.") if action == "reactivate" else _("Deactivated."), "success")
    return redirect_to(url_for(".team", team_id=team.id))


@bp.get("/shifts/teams/<int:team_id>/poster")
@allow(*ENTERPRISE)
def poster(team_id: int):
    team = teams.get_managed_team(current_user, team_id)
    return page("shifts/posters.html", posters=[(team, qr_svg(team_url(team)))], title=team.name)


@bp.get("/shifts/posters")
@allow(*ENTERPRISE)
def posters():
    active = [t for t in teams.teams_for(current_user) if t.active]
    return page("shifts/posters.html", posters=[(t, qr_svg(team_url(t))) for t in active],
                title=current_user.site.name)


@bp.get("/shifts/teams/<int:team_id>/qr.png")
@allow(*ENTERPRISE)
def qr_image(team_id: int):
    team = teams.get_managed_team(current_user, team_id)
    return qr_png_response(team_url(team))


@bp.post("/shifts/teams/<int:team_id>/qr")
@allow(*ENTERPRISE)
def reissue_qr(team_id: int):
    team = teams.get_managed_team(current_user, team_id)
    teams.reissue_qr(current_user, team)
    flash(_("New QR code issued. Print a new poster: the old one no longer works."), "success")
    return redirect_to(url_for(".team", team_id=team.id))


@bp.get("/shifts/teams/<int:team_id>/history")
@allow(*VIEWERS)
def history(team_id: int):
    team = teams.get_team_for(current_user, team_id)
    period = _period("month")
    return page("shifts/history.html", "meetings", team=team, period=period,
                rows=meetings.history(team, period))


# The meeting --------------------------------------------------------------------------------

@bp.post("/shifts/teams/<int:team_id>/meetings")
@allow(*TEAM_ROLES)
def open_meeting(team_id: int):
    team = teams.get_team_for(current_user, team_id)
    meeting = meetings.open_meeting(current_user, team, f.parse(request.form, OPEN).shift)
    return redirect_to(url_for(".meeting", meeting_id=meeting.id))


@bp.get("/shifts/meetings/<int:meeting_id>")
@allow(*VIEWERS)
def meeting(meeting_id: int):
    meeting = meetings.get_meeting_for(current_user, meeting_id)
    lead = rules.can_lead(current_user, meeting.team)
    if is_worker(current_user) and not lead:
        return redirect(url_for(".checkin", meeting_id=meeting.id))
    return page("shifts/meeting.html", "board", board=meetings.board(meeting), lead=lead,
                reasons=meetings.stop_reasons, upload_key=reports.new_key())


@bp.route("/shifts/meetings/<int:meeting_id>/checkin", methods=["GET", "POST"])
@allow(Role.WORKER)
def checkin(meeting_id: int):
    meeting = meetings.get_meeting_for(current_user, meeting_id)
    member = meetings.get_member(meeting, current_user.id)
    form, errors = {}, {}
    if request.method == "POST":
        form = _checkin_input(request.form)
        try:
            done = meetings.check_in(meeting, current_user, f.parse(request.form, CHECKIN))
            stop = done.decision == rules.Decision.STOP
            # A 不干 is an alert, never shown as a success.
            flash(_("Stop raised: your leader and the safety staff have been told.")
                  if stop else _("Checked in. Work safely."), "warning" if stop else "success")
            return redirect_to(url_for("home.index"))
        except Invalid as e:
            errors = e.errors
    return page("shifts/checkin.html", "checkin_form", 422 if errors else 200, meeting=meeting,
                member=member, done=meetings.checkin_of(meeting, current_user), form=form,
                errors=errors, shared=False, thinks=meetings.THINKS)


@bp.get("/shifts/meetings/<int:meeting_id>/shared")
@allow(*TEAM_ROLES)
def shared(meeting_id: int):
    """The leader's phone passed from hand to hand: each worker taps their name."""
    meeting = meetings.get_meeting_for(current_user, meeting_id)
    if not rules.can_lead(current_user, meeting.team):
        return redirect(url_for(".meeting", meeting_id=meeting.id))
    return page("shifts/shared.html", board=meetings.board(meeting))


@bp.route("/shifts/meetings/<int:meeting_id>/shared/<int:user_id>", methods=["GET", "POST"])
@allow(*TEAM_ROLES)
@throttle.pin_check_in  # PINs are typed here
def shared_checkin(meeting_id: int, user_id: int):
    meeting = meetings.get_meeting_for(current_user, meeting_id)
    if not rules.can_lead(current_user, meeting.team):
        return redirect(url_for(".meeting", meeting_id=meeting.id))
    member = meetings.get_member(meeting, user_id)
    form, errors = {}, {}
    if request.method == "POST":
        form = _checkin_input(request.form)
        try:
            done = meetings.check_in_shared(meeting, current_user, user_id,
                                            f.parse(request.form, CHECKIN))
            stop = done.decision == rules.Decision.STOP
            flash(_("%(name)s: stop raised.", name=member.user.name) if stop
                  else _("%(name)s checked in.", name=member.user.name),
                  "warning" if stop else "success")
            return redirect_to(url_for(".shared", meeting_id=meeting.id))
        except Invalid as e:
            errors = e.errors
    return page("shifts/checkin.html", "checkin_form", 422 if errors else 200, meeting=meeting,
                member=member, done=meetings.checkin_of(meeting, member.user), form=form,
                errors=errors, shared=True, thinks=meetings.THINKS)


@bp.post("/shifts/meetings/<int:meeting_id>/close")
@allow(*TEAM_ROLES)
def close(meeting_id: int):
    meeting = meetings.get_meeting_for(current_user, meeting_id)
    v = f.parse(request.form, CLOSE)
    meetings.close_meeting(current_user, meeting, v.note, request.files.get("photo"),
                           v.upload_key or None)
    flash(_("Meeting closed."), "success")
    return redirect_to(url_for(".meeting", meeting_id=meeting.id))


@bp.get("/shifts/stops")
@allow(*TEAM_ROLES)
def stops():
    return page("shifts/stops.html", stops=meetings.open_stops(current_user),
                reasons=meetings.stop_reasons, errors={})


@bp.post("/shifts/stops/<int:checkin_id>/resolve")
@allow(*TEAM_ROLES)
def resolve(checkin_id: int):
    try:
        meetings.resolve_stop(current_user, checkin_id, f.parse(request.form, RESOLVE).resolution)
    except Invalid as e:
        return page("shifts/stops.html", http_status=422, stops=meetings.open_stops(current_user),
                    reasons=meetings.stop_reasons, errors={checkin_id: e.errors["resolution"]})
    flash(_("Stop resolved."), "success")
    return redirect_to(safe_next(request.form.get("next")) or url_for(".stops"))


@bp.get("/shifts/compliance", endpoint="compliance")
@allow(Role.ENTERPRISE, *ZONE_STAFF)
def compliance_page():
    period = _period()
    result = compliance.compliance(current_user, period, site_id=_site_arg())
    return page("shifts/compliance.html", "figures", result=result, period=period,
                any_site=is_zone_staff(current_user))


# Workers' hazard reports and rewards ---------------------------------------------------------

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
    return _site_arg() or 0


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
