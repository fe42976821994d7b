"""The people picker of Module toewijzen and Leden toevoegen (templates/hr/_picker.html).

It searches and pages on the server, so a page holds one page of people whether there are
10 or 10,000. Without JavaScript the search and the page buttons post the form back and the
page is shown again with everything kept (nothing is stored); static/js/beheer.js fetches
the same page with ?q=&pagina= as you type and swaps the list in.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import request

from ...core.forms import FORBIDDEN_CHARACTERS, has_forbidden_characters
from .. import queries
from ..errors import HrError
from ..forms import MAX_PICKED, PickerForm
from ._common import int_arg

SEARCH_BUTTON = "zoeken"  # value of the picker's Zoeken button (name "actie")


@dataclass
class Picker:
    text: str  # the search the list shows
    chosen: list  # (id, name, e-mail) of the people ticked so far
    found: queries.PickPage


def browsing() -> bool:
    """True when the form was posted by the picker (Zoeken or a page button), not to save."""
    return request.form.get("actie") == SEARCH_BUTTON or "pagina" in request.form


def picker(form: PickerForm, offered) -> Picker:
    """The picker for this request: a GET with ?q=&pagina=, or the posted form shown again.
    `offered(text)` is the SELECT of the people this picker offers for a search text."""
    if request.method == "POST":
        text = form.q.data or ""
        raw = request.form.get("pagina", "")
        page = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 6 else 1
        if request.form.get("actie") == SEARCH_BUTTON:
            page = 1
        chosen_ids = form.people.data or []
    else:
        text = (request.args.get("q") or "").strip()[:100]
        page = int_arg("pagina", 1, maximum=100_000)
        chosen_ids = []
    if has_forbidden_characters(text):
        form.q.errors = [*form.q.errors, FORBIDDEN_CHARACTERS]
        text = ""
    form.q.data = form.searched.data = text
    chosen = queries.named(chosen_ids, offered(""))
    found = queries.pick_page(offered(text), page, leave_out=[row.id for row in chosen])
    return Picker(text, chosen, found)


def picked_ids(form: PickerForm, offered) -> list[int]:
    """Everyone chosen on submit: the ticked people, and with select-all everyone the shown
    search finds. Raises HrError when one may not be chosen (any more) or too many are."""
    ids = list(form.people.data or [])
    if form.select_all:
        seen = set(ids)
        found = queries.pick_all(offered(form.searched.data or ""), MAX_PICKED)
        ids += [i for i in found if i not in seen]
    if len(ids) > MAX_PICKED:
        raise HrError(f"Kies hooguit {MAX_PICKED:,} medewerkers tegelijk.".replace(",", "."))
    allowed = {row.id for row in queries.named(ids, offered(""))}
    if len(allowed) != len(ids):
        raise HrError(
            "Een van de gekozen medewerkers kan hier niet (meer) worden gekozen. Kies opnieuw."
        )
    return ids
