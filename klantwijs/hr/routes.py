"""Beheer's URL map: path, endpoint, view and methods, one line each (indico style)."""

from . import bp
from .views import assignments, certificates, groups, imports, people, reminders, reports, teams

_GET, _POST, _BOTH = ["GET"], ["POST"], ["GET", "POST"]
ROUTES = [
    ("/", "index", people.index, _GET),
    ("/medewerkers", "people", people.people, _GET),
    ("/medewerkers/toevoegen", "add_person", people.add_person, _BOTH),
    ("/medewerkers/<int:user_id>", "person", people.person, _GET),
    ("/medewerkers/<int:user_id>/uitnodiging", "reinvite", people.reinvite, _POST),
    ("/medewerkers/<int:user_id>/deactiveren", "deactivate", people.deactivate, _BOTH),
    ("/medewerkers/<int:user_id>/activeren", "reactivate", people.reactivate, _POST),
    ("/medewerkers/<int:user_id>/rol", "set_role", people.set_role, _POST),
    ("/medewerkers/importeren", "import_people", imports.upload, _BOTH),
    ("/medewerkers/importeren/bevestigen", "import_confirm", imports.confirm, _POST),
    ("/medewerkers/importeren/links.csv", "import_links", imports.links_csv, _POST),
    ("/teams", "teams", teams.teams, _BOTH),
    ("/teams/groepen", "group_teams", groups.group_teams, _BOTH),
    ("/teams/groepen/ontkoppelen", "unlink_group", groups.unlink_group, _BOTH),  # ?koppeling=
    ("/teams/<int:team_id>", "team", teams.team, _GET),
    ("/teams/<int:team_id>/naam", "rename_team", teams.rename, _POST),
    ("/teams/<int:team_id>/leden", "add_members", teams.add_members, _POST),
    (
        "/teams/<int:team_id>/leden/<int:user_id>/verwijderen",
        "remove_member",
        teams.remove_member,
        _BOTH,
    ),
    ("/teams/<int:team_id>/verwijderen", "delete_team", teams.delete, _BOTH),
    ("/teams/<int:team_id>/teamleiders", "add_team_lead", teams.add_team_lead, _POST),
    (
        "/teams/<int:team_id>/teamleiders/<int:user_id>/verwijderen",
        "remove_team_lead",
        teams.remove_team_lead,
        _BOTH,
    ),
    ("/toewijzingen", "assignments", assignments.assignments, _GET),
    ("/toewijzingen/nieuw", "assign", assignments.assign, _BOTH),
    ("/toewijzingen/<int:assignment_id>", "edit_assignment", assignments.edit, _BOTH),
    (
        "/toewijzingen/<int:assignment_id>/verwijderen",
        "remove_assignment",
        assignments.remove,
        _BOTH,
    ),
    ("/voortgang", "report", reports.report, _GET),
    ("/voortgang.csv", "report_csv", reports.report_csv, _GET),
    ("/vragen-inzicht", "insight", reports.insight, _GET),
    ("/herinneringen", "reminders", reminders.reminders, _GET),
    ("/herinneringen/<int:user_id>/stuur-nu", "send_reminder", reminders.send_reminder, _POST),
    ("/logboek", "audit_log", people.audit_log, _GET),
    ("/certificaten", "certificates", certificates.certificates, _GET),
    (
        "/certificaten/<int:certificate_id>/intrekken",
        "revoke_certificate",
        certificates.revoke_certificate,
        _BOTH,
    ),
]
for rule, endpoint, view, methods in ROUTES:
    bp.add_url_rule(rule, endpoint, view, methods=methods)
