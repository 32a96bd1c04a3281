"""Team pages: the team's QR code and poster, its posts and members, its meeting history."""

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import forms as f
from ..access import allow, is_worker, public
from ..errors import Invalid
from ..qr import qr_svg
from ..roles import Role
from ..sites.types import RISK_COLORS
from ..web import page, poster_url, qr_png_response, redirect_to
from . import bp, meeting_views, meetings, report_views, rules, teams
from .forms import MEMBER, POST, TEAM, WEEKDAYS, period_arg
from .rules import ENTERPRISE, TEAM_ROLES, VIEWERS

# The other view modules: their routes attach to bp as they load.
SECTIONS = (meeting_views, report_views)


def team_url(team) -> str:
    """What a team's QR code encodes: BASE_URL when set (the address phones can reach)."""
    return poster_url(f"/t/{team.qr_token}")


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
    v = f.parse(request.form, MEMBER)
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
    period = period_arg(request.args, "month")
    return page("shifts/history.html", "meetings", team=team, period=period,
                rows=meetings.history(team, period))

