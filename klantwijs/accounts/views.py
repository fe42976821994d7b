"""Blueprint: Account aanmaken, Inloggen, Uitloggen, wachtwoord wijzigen, Wachtwoord instellen."""

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from ..audit import audit, describe
from ..core.db import db
from ..core.errors import render_error
from ..core.extensions import rate_limit
from ..core.forms import ConfirmForm as LogoutEverywhereForm
from ..core.forms import ConfirmForm as RequestLinkForm
from ..core.mail import MailError, absolute_url, mail_configured
from ..models import User
from . import oidc, throttle
from .forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    RegisterByMailForm,
    RegisterForm,
    SetPasswordForm,
)
from .invitations import (
    NEW_LINK_SUBJECT,
    claim_invitation,
    find_invitation,
    invitation_link,
    invitation_problem,
    mail_invitations,
    mail_registration,
    mail_reset_link,
    new_invitation,
)
from .operations import (
    EmailTaken,
    create_user,
    end_sessions,
    find_user_by_email,
    registration_refusal,
    set_password,
)
from .passwords import verify_password
from .session import current_account, remember_cookie_name

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: no scheme, no host, no '//' or backslash tricks."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def _start_session(user: User, remember: bool = False) -> None:
    """A fresh session at login: nothing from before survives (no session fixation). It
    ends after 8 hours without a request (PERMANENT_SESSION_LIFETIME); with remember
    (Ingelogd blijven) a cookie keeps this device logged in for 30 days."""
    session.clear()
    session.permanent = True
    login_user(user, remember=remember)


def _remembered() -> bool:
    """This device was kept logged in (Ingelogd blijven)."""
    return remember_cookie_name() in request.cookies


def _forget_this_device(response):
    """After logging out, the browser drops what the service worker kept (lessons read
    offline) and any answer waiting in sessionStorage: the next person sees none of it."""
    response = current_app.make_response(response)
    response.headers["Clear-Site-Data"] = '"storage"'
    return response


def _end_session_here() -> None:
    """Log out in this browser: the session and the remember cookie go."""
    remembered = _remembered()
    logout_user()
    session.clear()
    if remembered:
        session["_remember"] = "clear"  # Flask-Login deletes the cookie on the way out


def _failed(response) -> bool:
    return response.status_code != 302


# OIDC_ONLY=1: one answer for every password login that is not an admin's (no hint whether
# the password was right).
ADMINS_ONLY = (
    "Inloggen met een wachtwoord kan alleen voor beheerders. Gebruik Inloggen met je werkaccount."
)


def _password_refused(user: User | None) -> bool:
    """With OIDC_ONLY=1 only admins use a password (break-glass); everyone else uses SSO."""
    return oidc.password_login_closed(current_app.config) and not (user and user.is_admin)


def _admins_only():
    return render_template("auth/oidc_refused.html", message=ADMINS_ONLY, retry=True), 403


@bp.route("/account-aanmaken", methods=["GET", "POST"])
@rate_limit("30 per hour", methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("learn.home"))
    by_mail = mail_configured()
    form = RegisterByMailForm() if by_mail else RegisterForm()
    oidc_only = oidc.password_login_closed(current_app.config)
    closed = not current_app.config["REGISTRATION_OPEN"] or oidc_only
    if closed and request.method == "POST":
        abort(403)
    status = 200
    if form.validate_on_submit():
        refusal = registration_refusal(current_app.config, form.email.data)
        if refusal:
            form.email.errors.append(refusal)
            status = 422
        elif by_mail:
            return _register_by_mail(form.email.data, form.name.data)
        else:
            try:
                user = create_user(form.email.data, form.name.data, form.password.data)
            except EmailTaken:
                # Without e-mail there is no way to answer without saying so.
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
    return render_template(
        "auth/register.html", form=form, closed=closed, oidc_only=oidc_only
    ), status


def _register_by_mail(email: str, name: str):
    """A new address gets a link to choose its password, a taken one a note to its owner;
    the page is the same either way, so it tells nobody which addresses have an account."""
    try:
        user = create_user(email, name)
    except EmailTaken:
        user = find_user_by_email(email)
    try:
        mail_registration(email, user)
    except MailError:
        current_app.logger.warning("Registration mail to %s failed", email, exc_info=True)
    return render_template("auth/register_sent.html", email=email.strip().lower())


@bp.route("/inloggen", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("learn.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        limits = throttle.Limits.from_config(current_app.config)
        address = request.remote_addr or "?"
        wait = throttle.wait_minutes(limits, form.email.data, address)
        if wait is not None:
            word = "minuut" if wait == 1 else "minuten"
            return render_error(
                429, f"Je hebt het te vaak geprobeerd. Probeer het over {wait} {word} opnieuw."
            )
        user = find_user_by_email(form.email.data)
        # The same work for a known and an unknown e-mail: no timing tells which exists.
        right = verify_password(user.password_hash if user else None, form.password.data)
        if not right:
            throttle.record_failure(form.email.data, address)
        if _password_refused(user if right else None):
            return _admins_only()
        if user is None or not right:
            form.password.errors.append("Het e-mailadres of het wachtwoord klopt niet.")
            status = 401
        elif not user.active:
            form.email.errors.append(
                "Dit account is gedeactiveerd. Neem contact op met HR als dat niet klopt."
            )
            status = 403
        else:
            _start_session(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")) or url_for("learn.home"))
    elif form.errors:
        status = 422
    # With OIDC_ONLY=1 the form is hidden; /inloggen?wachtwoord=1 shows it (break-glass).
    show_form = not oidc.password_login_closed(current_app.config) or "wachtwoord" in request.args
    if request.method == "POST" and not show_form:
        return _admins_only()
    return render_template(
        "auth/login.html",
        form=form,
        oidc=oidc.enabled(current_app.config),
        show_form=show_form,
        next_page=safe_next(request.args.get("next")),
    ), status


@bp.post("/uitloggen")
def logout():
    """End this and every other session of the user (a copied cookie stops working too);
    after single sign-on, also at the provider when it offers that (RP-initiated logout)."""
    provider_logout = None
    if current_user.is_authenticated:
        if session.get("oidc_login"):
            provider_logout = oidc.end_session_url(
                session.get("oidc_id_token"), absolute_url("auth.login")
            )
        end_sessions(current_account())
    _end_session_here()
    flash("Je bent uitgelogd.", "info")
    if provider_logout:
        # A page, not a redirect: the CSP's form-action 'self' blocks a form's redirect chain
        # to another site. It goes on by itself (meta refresh) or with the link.
        return _forget_this_device(
            render_template("auth/logged_out.html", provider_logout=provider_logout)
        )
    return _forget_this_device(redirect(url_for("auth.login")))


@bp.route("/wachtwoord-wijzigen", methods=["GET", "POST"])
@login_required
@rate_limit("10 per 10 minutes", methods=["POST"], deduct_when=_failed)
def change_password():
    user = current_account()
    if not user.password_hash:  # signs in with a work account: there is no current password
        return redirect(url_for("auth.account"))
    form = ChangePasswordForm()
    form.own_words = (user.email, user.name)
    status = 200
    if form.validate_on_submit():
        if not verify_password(user.password_hash, form.current_password.data):
            form.current_password.errors.append("Je huidige wachtwoord klopt niet.")
            status = 401
        else:
            remembered = _remembered()
            set_password(user, form.password.data)
            _start_session(user, remember=remembered)  # other devices' cookies have ended
            flash("Je wachtwoord is gewijzigd. Andere apparaten zijn uitgelogd.", "success")
            return redirect(url_for("learn.home"))
    elif form.errors:
        status = 422
    return render_template("auth/change_password.html", form=form), status


@bp.get("/account")
@login_required
def account():
    """The person's own account: name, e-mail, Wachtwoord wijzigen and Overal uitloggen."""
    return render_template("auth/account.html", user=current_account(), form=LogoutEverywhereForm())


@bp.post("/overal-uitloggen")
@login_required
def logout_everywhere():
    """End every session and remember cookie of this account, on every device, this one too
    (a lost phone, a shared computer)."""
    if not LogoutEverywhereForm().validate_on_submit():
        abort(400)
    end_sessions(current_account())
    _end_session_here()
    flash("Je bent overal uitgelogd, ook hier. Log opnieuw in om verder te gaan.", "info")
    return _forget_this_device(redirect(url_for("auth.login")))


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
    if _password_refused(user):
        return _admins_only()
    form = SetPasswordForm()
    form.own_words = (user.email, user.name)
    status = 200
    if form.validate_on_submit():
        if not claim_invitation(invitation):
            db.session.rollback()
            return _link_problem_page("used", token)
        audit(user, "wachtwoord.ingesteld", f"{describe(user)} via een link")
        set_password(user, form.password.data)  # commits the claim and the audit entry too
        if current_user.is_authenticated:
            logout_user()
        _start_session(user)
        flash("Je wachtwoord is ingesteld. Welkom bij Klantwijs!", "success")
        return redirect(url_for("learn.home"))
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
        audit(None, "uitnodiging.aangevraagd", f"{describe(user)} vroeg een nieuwe link")
        db.session.commit()
        mail_invitations([(user, invitation_link(new_token))], NEW_LINK_SUBJECT)
    return render_template("auth/link_requested.html")


@bp.route("/wachtwoord-vergeten", methods=["GET", "POST"], endpoint="forgot_password")
@rate_limit("5 per 10 minutes", methods=["POST"])
def forgot_password():
    """Mail a one-hour link; the same answer whether or not the address has an account."""
    form = ForgotPasswordForm()
    mail = mail_configured()
    if mail and form.validate_on_submit():
        user = find_user_by_email(form.email.data)
        if user is not None and user.active and not _password_refused(user):
            try:
                mail_reset_link(user)
            except MailError:
                current_app.logger.warning("Reset mail to %s failed", user.email, exc_info=True)
        return render_template("auth/forgot_password.html", form=form, mail=mail, sent=True)
    status = 422 if form.errors else 200
    return render_template("auth/forgot_password.html", form=form, mail=mail, sent=False), status
