"""flask user create / set-role."""

import sqlalchemy as sa

from klantwijs.core.db import db
from klantwijs.models import User
from tests.conftest import PASSWORD


def role_of(app, email):
    with app.app_context():
        return db.session.scalar(sa.select(User.role).where(User.email == email))


def test_user_create_with_role_and_set_role(app, runner):
    result = runner.invoke(
        args=[
            "user",
            "create",
            "HR@Example.nl",
            "--name",
            "Hanna",
            "--role",
            "hr",
            "--password",
            PASSWORD,
        ]
    )
    assert result.exit_code == 0, result.output
    assert role_of(app, "hr@example.nl") == "hr"
    result = runner.invoke(args=["user", "set-role", "hr@example.nl", "admin"])
    assert result.exit_code == 0
    assert role_of(app, "hr@example.nl") == "admin"


def test_user_create_prompts_for_password(app, runner):
    result = runner.invoke(
        args=["user", "create", "a@example.nl", "--name", "A"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    assert role_of(app, "a@example.nl") == "admin"  # the first account


def test_user_create_refuses_weak_password_and_duplicates(app, runner):
    weak = runner.invoke(
        args=["user", "create", "a@example.nl", "--name", "A", "--password", "kort"]
    )
    assert weak.exit_code == 1 and "minstens 12 tekens" in weak.output
    runner.invoke(args=["user", "create", "a@example.nl", "--name", "A", "--password", PASSWORD])
    again = runner.invoke(
        args=["user", "create", "A@example.nl", "--name", "A", "--password", PASSWORD]
    )
    assert again.exit_code == 1 and "al een account" in again.output


def test_set_role_rejects_unknown_user_and_role(runner):
    assert runner.invoke(args=["user", "set-role", "niemand@example.nl", "hr"]).exit_code == 1
    assert runner.invoke(args=["user", "set-role", "niemand@example.nl", "koning"]).exit_code == 2
