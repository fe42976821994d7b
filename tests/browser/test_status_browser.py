"""Status badges: every status has its own colour and text, the same on Mijn cursus and in
Beheer → Voortgang, and its class comes from the one vocabulary (learning/status.py)."""

import datetime as dt

import pytest

from klantwijs.learning.status import Status
from tests.browser.helpers import assert_accessible, log_in
from tests.hr_helpers import TODAY

pytestmark = pytest.mark.browser

VOCABULARY = {
    "status-niet-begonnen": "Niet begonnen",
    "status-gelezen": "Gelezen",
    "status-bezig": "Bezig",
    "status-geslaagd": "Geslaagd",
    "status-te-laat": "Te laat",
    "status-verlopen": "Verlopen",  # recertification (learning/validity.py)
}

BADGES = """els => els.map(el => {
    const style = getComputedStyle(el);
    return {
        classes: [...el.classList].filter(c => c.startsWith('status-')),
        text: el.textContent.trim(),
        background: style.backgroundColor,
        color: style.color,
    };
})"""


def badges(page) -> list[dict]:
    return page.locator(".status").evaluate_all(BADGES)


def set_validity(app, assignment_id: int, months: int) -> None:
    from klantwijs.core.db import db
    from klantwijs.models import Assignment

    with app.app_context():
        db.session.get(Assignment, assignment_id).valid_months = months
        db.session.commit()


def test_every_status_badge_has_its_own_colour_and_text(
    app, desktop_page, make_user, make_team, make_assignment, make_attempt, make_view
):
    assert {s.css: s.value for s in Status} == VOCABULARY  # the one vocabulary
    lena, bram, tess = (make_user(name=n) for n in ("Lena Geslaagd", "Bram Bezig", "Tess Laat"))
    vera = make_user(name="Vera Verlopen")
    hr = make_user(name="Hanna HR", role="hr")
    team = make_team("Verkoop", [lena, bram, tess])
    renewed = make_assignment("alpha", user_id=vera.id)  # valid 12 months, passed 13 ago
    set_validity(app, renewed, 12)
    make_attempt(vera.id, "alpha", passed=True, when=dt.datetime.now() - dt.timedelta(days=400))
    make_assignment("alpha", team_id=team)
    make_assignment("beta", team_id=team)
    make_assignment("alpha", user_id=tess.id, due=TODAY - dt.timedelta(days=1))  # Te laat
    make_attempt(
        lena.id, "alpha", score=5, max_score=5, passed=True
    )  # Geslaagd; beta: Niet begonnen
    make_view(bram.id, "alpha")  # Gelezen
    make_attempt(bram.id, "beta", score=1, max_score=5, passed=False)  # Bezig

    page = desktop_page
    seen = []  # (page, badge)
    late_marks = []
    for person in (lena, bram, tess, vera):
        page.context.clear_cookies()
        log_in(page, person.email)
        assert_accessible(page)
        seen += [("Mijn cursus", b) for b in badges(page)]
        late_marks += page.locator(".module-card.is-late .late").evaluate_all(
            "els => els.map(el => [el.textContent.trim(), getComputedStyle(el).color])"
        )
    mine = {b["classes"][0] for _, b in seen}
    page.context.clear_cookies()
    log_in(page, hr.email)
    page.goto("/beheer/voortgang")
    assert_accessible(page)
    report = badges(page)
    seen += [("Voortgang", b) for b in report]

    # Mijn cursus badges the status underneath a passed Deadline and marks the card Te laat.
    assert mine == set(VOCABULARY) - {"status-te-laat"}, f"Mijn cursus shows {sorted(mine)}"
    assert {b["classes"][0] for b in report} == set(VOCABULARY)
    looks = {}  # class → (text, background, colour), which must be the same on every page
    for where, badge in seen:
        assert len(badge["classes"]) == 1 and badge["classes"][0] in VOCABULARY, (where, badge)
        css = badge["classes"][0]
        assert badge["text"] == VOCABULARY[css], (where, badge)
        look = (badge["text"], badge["background"], badge["color"])
        assert looks.setdefault(css, look) == look, f"{css} differs on {where}: {look}"
    backgrounds = {css: background for css, (_, background, _) in looks.items()}
    assert len(set(backgrounds.values())) == len(VOCABULARY), f"shared colours: {backgrounds}"
    assert "rgba(0, 0, 0, 0)" not in backgrounds.values(), backgrounds  # none is transparent
    assert late_marks == [["Te laat", looks["status-te-laat"][2]]]  # Tess's alpha, Te laat's red
