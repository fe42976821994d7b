"""Blueprint: Account aanmaken, Inloggen, Uitloggen, wachtwoord wijzigen, Wachtwoord instellen."""

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import UserMixin, current_user, login_required, login_user, logout_user

from .accounts import (
    EmailTaken,
    create_user,
    current_account,
    end_sessions,
    find_user_by_email,
    set_password,
)
from .extensions import db, fast_read, login_manager, rate_limit
from .forms import ChangePasswordForm, LoginForm, RegisterForm
from .hr_forms import ConfirmForm as RequestLinkForm
from .hr_forms import InvitationPasswordForm
from .mail import MailError, absolute_url, invitation_text, mail_configured, send_mail
from .models import MAX_ID, User
from .passwords import verify_password
from .people import audit, claim_invitation, find_invitation, invitation_problem, new_invitation

bp = Blueprint("auth", __name__)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Log in om verder te gaan."
    login_manager.login_message_category = "info"


class SignedIn(UserMixin):
    """Who is signed in for this request: the few columns every page needs, read-only.

    Every request reads this row (so logout everywhere and deactivation take effect at
    once); a plain Core row costs a quarter of loading the ORM object. Code that changes
    the account loads the ORM row with current_account()."""

    def __init__(self, row) -> None:
        self.id, self.name, self.role, self.session_version = row

    def get_id(self) -> str:
        return f"{self.id}.{self.session_version}"

    is_hr = User.is_hr  # the same role rules as the model's
    is_admin = User.is_admin


_USERS = User.__table__
_SIGNED_IN = sa.select(_USERS.c.id, _USERS.c.name, _USERS.c.role, _USERS.c.session_version).where(
    _USERS.c.id == sa.bindparam("id"),
    _USERS.c.session_version == sa.bindparam("version"),
    _USERS.c.active.is_(True),
)


@login_manager.user_loader
def load_user(user_id: str) -> SignedIn | None:
    """Sessions name 'id.version'; a bumped version or a deactivated account ends them."""
    try:
        uid, version = (int(part) for part in user_id.split("."))
    except ValueError:
        return None
    if not 0 < uid <= MAX_ID:
        return None
    row = fast_read(_SIGNED_IN, {"id": uid, "version": version}).first()
    return SignedIn(row) if row is not None else None


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: no scheme, no host, no '//' or backslash tricks."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def _start_session(user: User) -> None:
    """A fresh session at login: nothing from before survives (no session fixation)."""
    session.clear()
    login_user(user)


def _login_account_key() -> str:
    return "login:" + (request.form.get("email") or "").strip().lower()[:254]


def _failed(response) -> bool:
    return response.status_code != 302


def _registration_refusal(email: str) -> str | None:
    if not current_app.config["REGISTRATION_OPEN"]:
        return "Zelf een account aanmaken is uitgeschakeld. Vraag HR om een uitnodiging."
    domains = current_app.config["ALLOWED_EMAIL_DOMAINS"]
    if domains and email.rsplit("@", 1)[-1].lower() not in domains:
        listed = ", ".join("@" + d for d in domains)
        return f"Met dit e-mailadres kun je geen account aanmaken. Gebruik een adres op {listed}."
    return None


@bp.route("/account-aanmaken", methods=["GET", "POST"])
@rate_limit("30 per hour", methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("learn.home"))
    form = RegisterForm()
    closed = not current_app.config["REGISTRATION_OPEN"]
    if closed and request.method == "POST":
        abort(403)
    status = 200
    if form.validate_on_submit():
        refusal = _registration_refusal(form.email.data)
        if refusal:
            form.email.errors.append(refusal)
            status = 422
        else:
            try:
                user = create_user(form.email.data, form.name.data, form.password.data)
            except EmailTaken:
                form.email.errors.append(
                    "Er is al een account met dit e-mailadres. Log in of vraag HR om hulp."
                )
                status = 422
            else:
                _start_session(user)
                flash(f"Welkom bij Klantwijs, {user.name}!", "success")
                return redirect(url_for("learn.home"))
    elif form.errors:
        status = 422
    return render_template("auth/register.html", form=form, closed=closed), status


@bp.route("/inloggen", methods=["GET", "POST"])
@rate_limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"], deduct_when=_failed
)
@rate_limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    key_func=_login_account_key,
    methods=["POST"],
    deduct_when=_failed,
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("learn.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        user = find_user_by_email(form.email.data)
        if user is None or not verify_password(user.password_hash, form.password.data):
            form.password.errors.append("Het e-mailadres of het wachtwoord klopt niet.")
            status = 401
        elif not user.active:
            form.email.errors.append(
                "Dit account is gedeactiveerd. Neem contact op met HR als dat niet klopt."
            )
            status = 403
        else:
            _start_session(user)
            return redirect(safe_next(request.args.get("next")) or url_for("learn.home"))
    elif form.errors:
        status = 422
    return render_template("auth/login.html", form=form), status


@bp.post("/uitloggen")
def logout():
    """End this and every other session of the user (a copied cookie stops working too)."""
    if current_user.is_authenticated:
        end_sessions(current_account())
    logout_user()
    session.clear()
    flash("Je bent uitgelogd.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/wachtwoord-wijzigen", methods=["GET", "POST"])
@login_required
@rate_limit("10 per 10 minutes", methods=["POST"], deduct_when=_failed)
def change_password():
    form = ChangePasswordForm()
    status = 200
    if form.validate_on_submit():
        user = current_account()
        if not verify_password(user.password_hash, form.current_password.data):
            form.current_password.errors.append("Je huidige wachtwoord klopt niet.")
            status = 401
        else:
            set_password(user, form.password.data)
            _start_session(user)
            flash("Je wachtwoord is gewijzigd. Andere apparaten zijn uitgelogd.", "success")
            return redirect(url_for("learn.home"))
    elif form.errors:
        status = 422
    return render_template("auth/change_password.html", form=form), status


# --- Wachtwoord instellen (invitation links from Beheer) ----------------------------------


def _link_problem_page(problem: str, token: str):
    """Expired, used or unknown link: say so plainly and offer a way to get a new one."""
    status = 404 if problem == "unknown" else 410
    return render_template(
        "auth/link_invalid.html",
        problem=problem,
        token=token,
        can_request=problem in ("expired", "used") and mail_configured(),
        form=RequestLinkForm(),
    ), status


@bp.route("/wachtwoord-instellen/<token>", methods=["GET", "POST"], endpoint="set_password")
@rate_limit("30 per hour", methods=["POST"])
def set_password_from_invitation(token: str):
    """Single-use link (7 days) to choose a password; only the token's sha256 is stored."""
    invitation = find_invitation(token)
    problem = invitation_problem(invitation)
    if problem:
        return _link_problem_page(problem, token)
    user = db.session.get(User, invitation.user_id)
    form = InvitationPasswordForm()
    status = 200
    if form.validate_on_submit():
        if not claim_invitation(invitation):
            db.session.rollback()
            return _link_problem_page("used", token)
        set_password(user, form.password.data)  # commits the claim too
        if current_user.is_authenticated:
            logout_user()
        session.clear()
        flash("Je wachtwoord is ingesteld. Log nu in met je e-mailadres en wachtwoord.", "success")
        return redirect(url_for("auth.login"))
    elif form.errors:
        status = 422
    return render_template("auth/set_password.html", form=form, user=user), status


@bp.post("/wachtwoord-instellen/<token>/nieuwe-link", endpoint="request_new_link")
@rate_limit("5 per hour")
def request_new_link(token: str):
    """Mail a fresh link to the account's own address (never to the requester)."""
    invitation = find_invitation(token)
    if not RequestLinkForm().validate_on_submit():
        abort(400)
    user = db.session.get(User, invitation.user_id) if invitation else None
    if user is not None and user.active and mail_configured():
        new_token = new_invitation(user, None)
        audit(None, "uitnodiging.aangevraagd", f"{user.name} <{user.email}> vroeg een nieuwe link")
        db.session.commit()
        link = absolute_url("auth.set_password", token=new_token)
        try:
            send_mail(user.email, "Je nieuwe link voor Klantwijs", invitation_text(user.name, link))
        except MailError:
            current_app.logger.warning("New-link mail to %s failed", user.email, exc_info=True)
    return render_template("auth/link_requested.html")
