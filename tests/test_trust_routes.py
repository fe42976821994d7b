"""Every route in one access matrix; CSRF on every state change; GET never writes; headers.

A route added to the app without a row in MATRIX fails ``test_every_route_has_a_row``:
add the row (what anonymous, the owner learner, another learner, hr and admin get, and a
Teamleider of the learner's team and of another team: by default what another learner gets).
"""

import pytest

from klantwijs.core.extensions import limiter
from tests.trust_helpers import (
    LOGIN,
    ROLES,
    STATE_METHODS,
    Row,
    client_as,
    csrf_token_from,
    foreign_loads,
    fresh_world,
    header_problems,
    outcome_ok,
    own,
    row_counts,
    rules,
    same,
    staff,
    table_snapshot,
    url_for_rule,
)

# (endpoint, method) → Row(anonymous, learner (owner), other learner, hr, admin)
MATRIX: dict[tuple[str, str], Row] = {
    # Accounts
    ("auth.login", "GET"): Row(200, 302, 302, 302, 302),
    ("auth.login", "POST"): Row(422, 302, 302, 302, 302),
    ("auth.register", "GET"): Row(200, 302, 302, 302, 302),
    ("auth.register", "POST"): Row(422, 302, 302, 302, 302),
    ("auth.logout", "POST"): Row(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    ("auth.change_password", "GET"): same(200),
    ("auth.change_password", "POST"): same(422),
    # Mijn account, and Overal uitloggen on it (ends every session of the account, this one too)
    ("auth.account", "GET"): same(200),
    ("auth.logout_everywhere", "POST"): Row(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    # Inloggen met je werkaccount: off in this world (no OIDC_ISSUER), so not found for anyone;
    # tests/test_oidc*.py drive them against a real provider
    ("auth.oidc_login", "GET"): Row(404, 404, 404, 404, 404),
    ("auth.oidc_callback", "GET"): Row(404, 404, 404, 404, 404),
    # Wachtwoord instellen (the invitee's link; the token is the credential, no login needed)
    ("auth.set_password", "GET"): Row(200, 200, 200, 200, 200),
    ("auth.set_password", "POST"): Row(422, 422, 422, 422, 422),
    ("auth.request_new_link", "POST"): Row(200, 200, 200, 200, 200),
    # Wachtwoord vergeten? (no mail in this world: the page says to ask HR, nothing is sent)
    ("auth.forgot_password", "GET"): Row(200, 200, 200, 200, 200),
    ("auth.forgot_password", "POST"): Row(200, 200, 200, 200, 200),
    # Learner: course, lessons, progress
    ("learn.home", "GET"): Row(200, 200, 200, 200, 200),
    # The first read is recorded; report_cells follows it by a trigger (migration 0011).
    ("learn.lesson", "GET"): same(200, get_writes=frozenset({"lesson_views", "report_cells"})),
    ("learn.cheatsheet", "GET"): same(200),
    ("learn.progress", "GET"): same(200),
    ("learn.next_step", "GET"): same(302),  # Ga verder: to the next module to do
    # Readable offline: the service worker (served from the root) and its offline page
    ("learn.service_worker", "GET"): Row(200, 200, 200, 200, 200),
    ("learn.offline", "GET"): Row(200, 200, 200, 200, 200),
    # Quiz: the learner's own attempts; anyone else (hr and admin too) gets 404
    # learners resume their open attempt (the Teamleiders have none)
    ("quiz.intro", "GET"): Row(LOGIN, 302, 302, 200, 200, lead=200, other_lead=200),
    ("quiz.start", "POST"): same(302),
    ("quiz.practise", "POST"): same(302),
    ("quiz.question", "GET"): own(200),
    ("quiz.question", "POST"): own(302),
    ("quiz.overview", "GET"): own(200),
    ("quiz.hand_in", "POST"): own(302),
    ("quiz.result", "GET"): own(200, params={"attempt_id": "submitted_attempt_id"}),
    # Herhalen: the learner's own review session (open, one question due); anyone else 404.
    # Start continues the open session, or says nothing is due (both 302). Controleer
    # without a choice: 422; klaar before the last answer goes to the open question (302)
    ("review.index", "GET"): same(200),
    ("review.start", "POST"): same(302),
    ("review.question", "GET"): own(200),
    ("review.question", "POST"): own(422, data={"ga": "controleer"}),
    ("review.done", "GET"): own(302),
    ("review.nudges", "POST"): same(302, data={"herinnering": "uit"}),
    # Certificaat: the learner's own PDF by code (anyone else 404); not everything passed
    # yet, so Download sends back to the page (302). Controleren is public: no account.
    ("certificate.index", "GET"): same(200),
    ("certificate.issue", "POST"): same(302),
    ("certificate.pdf", "GET"): own(200),
    ("certificate.check", "GET"): Row(200, 200, 200, 200, 200),
    ("certificate.verify", "GET"): Row(200, 200, 200, 200, 200),
    # Beheer: hr and admin; learners 403. A Teamleider (lead: of the world's team, other_lead:
    # of another team) opens Beheer's start, Voortgang, Vragen-inzicht, Module toewijzen and
    # the person pages of their own team members; their pages are scoped to their teams
    # (tests/test_hr_team_leads.py checks what they see)
    ("hr.index", "GET"): staff(200, lead=200),
    ("hr.people", "GET"): staff(200),
    ("hr.add_person", "GET"): staff(200),
    ("hr.add_person", "POST"): staff(422),
    ("hr.person", "GET"): staff(200, lead=200, other_lead=404),
    ("hr.reinvite", "POST"): staff((200, 302)),
    ("hr.deactivate", "GET"): staff(200),
    ("hr.deactivate", "POST"): staff(302),
    ("hr.reactivate", "POST"): staff(302),
    ("hr.set_role", "POST"): Row(LOGIN, 403, 403, 403, 400),  # admin only
    ("hr.audit_log", "GET"): Row(LOGIN, 403, 403, 403, 200),  # admin only
    # Certificaten: hr and admin look certificates up; only an admin revokes one
    ("hr.certificates", "GET"): staff(200),
    ("hr.revoke_certificate", "GET"): Row(LOGIN, 403, 403, 403, 200),
    ("hr.revoke_certificate", "POST"): Row(
        LOGIN, 403, 403, 403, 302, data={"reason": "Onterecht uitgegeven"}
    ),
    ("hr.import_people", "GET"): staff(200),
    ("hr.import_people", "POST"): staff((400, 422)),
    ("hr.import_confirm", "POST"): staff((302, 400, 422)),
    # Download links (CSV): without the import's signed links the page says why
    ("hr.import_links", "POST"): staff(422),
    ("hr.teams", "GET"): staff(200),
    ("hr.teams", "POST"): staff(422),
    ("hr.group_teams", "GET"): staff(200),
    ("hr.group_teams", "POST"): staff(422),
    # ?koppeling=<id> names the link; none is named here (tests/test_oidc_groups.py links one)
    ("hr.unlink_group", "GET"): staff(404),
    ("hr.unlink_group", "POST"): staff(404),
    ("hr.team", "GET"): staff(200),
    ("hr.rename_team", "POST"): staff(422),
    ("hr.add_members", "POST"): staff(422),
    ("hr.remove_member", "GET"): staff(200),
    ("hr.remove_member", "POST"): staff(302),
    ("hr.delete_team", "GET"): staff(200),
    ("hr.delete_team", "POST"): staff(302),
    ("hr.add_team_lead", "POST"): staff(422),
    ("hr.remove_team_lead", "GET"): staff(200, params={"user_id": "lead_id"}),
    ("hr.remove_team_lead", "POST"): staff(302, params={"user_id": "lead_id"}),
    ("hr.assignments", "GET"): staff(200),
    ("hr.assign", "GET"): staff(200, lead=200),
    ("hr.assign", "POST"): staff(422, lead=422),
    ("hr.edit_assignment", "GET"): staff(200),
    ("hr.edit_assignment", "POST"): staff(422),
    ("hr.remove_assignment", "GET"): staff(200),
    ("hr.remove_assignment", "POST"): staff(302),
    ("hr.report", "GET"): staff(200, lead=200),
    ("hr.report_csv", "GET"): staff(200, lead=200),
    ("hr.insight", "GET"): staff(200, lead=200),
    # Herinneringen; Stuur nu without a mail server says so and goes back (302)
    ("hr.reminders", "GET"): staff(200),
    ("hr.send_reminder", "POST"): staff(302),
    # Beheer → SCORM-pakket (interop blueprint, same rule): without a chosen version the
    # download answers the page with the reason (400)
    ("interop.export", "GET"): staff(200),
    ("interop.scorm", "GET"): staff(400),
}


def _matrix_params():
    for (endpoint, method), row in MATRIX.items():
        marks = [pytest.mark.xfail(strict=True, reason=row.xfail)] if row.xfail else []
        yield pytest.param(endpoint, method, row, id=f"{endpoint}-{method}", marks=marks)


def _rule(app, endpoint, method):
    found = [r for r, m in rules(app) if r.endpoint == endpoint and m == method]
    assert found, f"{endpoint} {method} is in MATRIX but no longer routed: remove the row"
    return found[0]


def _call(client, method, path, row):
    if method == "GET":
        return client.get(path)
    return client.open(path, method=method, data=row.data)


def test_every_route_has_a_row(app):
    routed = {(rule.endpoint, method) for rule, method in rules(app)}
    missing = sorted(routed - set(MATRIX))
    stale = sorted(set(MATRIX) - routed)
    assert not missing, f"routes without a row in tests/test_trust_routes.py MATRIX: {missing}"
    assert not stale, f"rows for routes that no longer exist: {stale}"


@pytest.mark.parametrize(("endpoint", "method", "row"), list(_matrix_params()))
def test_access_matrix(make_app, endpoint, method, row):
    """Each role gets the expected status; every response carries the security headers."""
    failures = []
    app = make_app()
    rule = _rule(app, endpoint, method)
    for role in ROLES:
        # A fresh world per role for state changes: one role's POST cannot spoil the next.
        if role == "anonymous" or method != "GET":
            world = fresh_world(app)
            path = url_for_rule(rule, world, row)
            limiter.reset()  # each role is another visitor: one's posts never limit the next
        response = _call(client_as(app, world, role), method, path, row)
        expected = row.expected(role)
        if not outcome_ok(expected, response):
            failures.append(
                f"{role}: {method} {path} → {response.status_code} "
                f"{response.headers.get('Location', '')} (expected {expected})"
            )
        assert response.status_code != 500, f"{role}: {method} {path} → 500"
        if response.status_code == 403:
            assert "Geen toegang" in response.text, f"{role}: {method} {path}: not the 403 page"
        problems = header_problems(response)
        if response.mimetype == "text/html":
            problems += foreign_loads(response.text)
        assert not problems, f"{role}: {method} {path}: {problems}"
    assert not failures, "\n".join(failures)


def _state_rows():
    return [p for p in _matrix_params() if p.values[1] in STATE_METHODS]


def _get_rows():
    return [p for p in _matrix_params() if p.values[1] == "GET"]


@pytest.mark.parametrize(("endpoint", "method", "row"), _state_rows())
def test_state_change_without_csrf_token_is_refused_and_changes_nothing(
    make_app, endpoint, method, row
):
    app = make_app(WTF_CSRF_ENABLED=True)
    world = fresh_world(app)
    path = url_for_rule(_rule(app, endpoint, method), world, row)
    for role in ROLES:
        client = client_as(app, world, role)
        page = client.get("/")  # puts a CSRF secret in the session, as a real visit would
        before = row_counts(app)
        for token in (None, "vervalst", "ImFiYyI.Zm9v.YmFy"):
            data = dict(row.data)
            if token:
                data["csrf_token"] = token
            response = client.open(path, method=method, data=data)
            assert response.status_code == 400, f"{role}: {method} {path} token={token!r}"
            assert "Het formulier is verlopen" in response.text
            assert row_counts(app) == before, f"{role}: {method} {path} wrote without a token"
        # A token from another session is no better.
        stranger = app.test_client()
        foreign = csrf_token_from(stranger.get("/inloggen").text)
        response = client.open(path, method=method, data={**row.data, "csrf_token": foreign})
        assert response.status_code == 400, f"{role}: foreign token accepted on {path}"
        assert row_counts(app) == before
        # Control: the page's own token is accepted (the refusals above were about the token).
        own_token = csrf_token_from(page.text) or csrf_token_from(client.get("/inloggen").text)
        response = client.open(path, method=method, data={**row.data, "csrf_token": own_token})
        assert response.status_code != 400 or outcome_ok(row.expected(role), response), (
            f"{role}: {method} {path} refused even with a valid token"
        )


@pytest.mark.parametrize(("endpoint", "method", "row"), _get_rows())
def test_get_never_changes_state(make_app, endpoint, method, row):
    app = make_app()
    world = fresh_world(app)
    path = url_for_rule(_rule(app, endpoint, method), world, row)
    for role in ROLES:
        client = client_as(app, world, role)
        before = row_counts(app)
        for _ in range(2):
            response = client.get(path)
            assert response.status_code != 500
        after = row_counts(app)
        changed = {t for t in before if before[t] != after[t]} - row.get_writes
        assert not changed, f"{role}: GET {path} changed {sorted(changed)}"


def test_get_of_an_outdated_attempt_changes_nothing(make_app):
    """A quiz file changed while an attempt was open: looking at it must not rewrite rows."""
    app = make_app()
    world = fresh_world(app)
    with app.app_context():
        from klantwijs.core.db import db
        from klantwijs.models import Answer, Attempt

        attempt = db.session.get(Attempt, world.ids["attempt_id"])
        attempt.content_version = "ouder"
        db.session.add(
            Answer(attempt_id=attempt.id, question_id=attempt.question_ids[0], response="a")
        )
        db.session.commit()
    client = client_as(app, world, "learner")
    attempt_id, slug = world.ids["attempt_id"], world.ids["slug"]
    for path in (
        f"/modules/{slug}/quiz",
        f"/pogingen/{attempt_id}/vraag/1",
        f"/pogingen/{attempt_id}/overzicht",
    ):
        before = table_snapshot(app)
        response = client.get(path)
        assert response.status_code in (200, 302)
        assert table_snapshot(app) == before, f"GET {path} rewrote the attempt"
