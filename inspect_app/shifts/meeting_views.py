"""The shift meeting (open, check in on one's own phone or the leader's, board, close), its
stops and the enterprises' compliance."""

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import forms as f
from .. import throttle
from ..access import ZONE_STAFF, allow, is_worker, is_zone_staff
from ..errors import Invalid
from ..roles import Role
from ..web import page, redirect_to, safe_next
from . import bp, compliance, meetings, reports, rules, teams
from .forms import CHECKIN, CLOSE, OPEN, RESOLVE, checkin_input, period_arg, site_arg
from .rules import TEAM_ROLES, VIEWERS


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
        form = checkin_input(request.form)
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
        form = checkin_input(request.form)
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
    period = period_arg(request.args)
    result = compliance.compliance(current_user, period, site_id=site_arg(request.args))
    return page("shifts/compliance.html", "figures", result=result, period=period,
                any_site=is_zone_staff(current_user))

