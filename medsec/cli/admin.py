"""``medsec admin``: scripted setup of organizations, users and tokens.

Passwords are read from standard input or ``MEDSEC_NEW_PASSWORD``, never from argv
(which other local users can read in the process list).
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer
from sqlalchemy import select

from medsec.accounts import services, tokens
from medsec.accounts.authentication import actor_for, issue_setup_link
from medsec.accounts.models import Organization, User
from medsec.accounts.roles import OrganizationKind, Role
from medsec.audit.services import Context
from medsec.cli.output import console
from medsec.errors import Error, NotFound
from medsec.service import Instance
from medsec.settings import Settings

app = typer.Typer(
    help="Scripted administration (first admin, users, API tokens).", no_args_is_help=True
)


def _password() -> str:
    from_env = os.environ.get("MEDSEC_NEW_PASSWORD")
    if from_env:
        return from_env
    if sys.stdin.isatty():
        entered: str = typer.prompt("password", hide_input=True, confirmation_prompt=True)
        return entered
    line = sys.stdin.readline().rstrip("\n")
    if not line:
        raise Error("no password given", hint="pipe it on stdin or set MEDSEC_NEW_PASSWORD")
    return line


@app.command("setup-link")
def setup_link() -> None:
    """Print a new one-time link that creates the first admin (only while no user exists)."""
    instance = Instance.from_settings(Settings())
    with instance.db.session() as session:
        token = issue_setup_link(session, instance.auth, Context.cli())
    if token is None:
        raise Error("this instance already has users; log in as an admin instead")
    # Plain write: a console would wrap the long link at the terminal width.
    sys.stdout.write(f"{instance.settings.base_url}/setup?token={token}\n")


@app.command("create-user")
def create_user(
    username: Annotated[str, typer.Option(help="Login name.")],
    organization: Annotated[str, typer.Option(help="Organization name.")],
    role: Annotated[Role, typer.Option(help="Role of the user.")] = Role.ADMIN,
    kind: Annotated[
        OrganizationKind | None,
        typer.Option(help="Create the organization with this kind if it does not exist."),
    ] = None,
    email: Annotated[str | None, typer.Option()] = None,
    temporary: Annotated[
        bool, typer.Option(help="Force a password change at first login.")
    ] = False,
) -> None:
    """Create a user with a password read from stdin or MEDSEC_NEW_PASSWORD."""
    password = _password()
    instance = Instance.from_settings(Settings())
    context = Context.cli()
    with instance.db.session() as session:
        org = session.execute(
            select(Organization).where(Organization.name == organization)
        ).scalar_one_or_none()
        if org is None:
            if kind is None:
                raise NotFound(
                    f"no organization '{organization}'",
                    hint="add --kind manufacturer|healthcare-provider|both to create it",
                )
            org = services.create_organization(session, organization, kind, context)
        user = services.create_local_user(
            session,
            org,
            services.NewUser(username, role, email),
            password,
            context,
            temporary=temporary,
            hasher=instance.auth.hasher,
            policy=instance.auth.password_policy,
            breached=instance.auth.breached_passwords,
        )
        console.print(f"created {user.username} ({role.value}) in {org.name}", highlight=False)


@app.command("create-token")
def create_token(
    username: Annotated[str, typer.Option(help="Owner of the token.")],
    name: Annotated[str, typer.Option(help="What uses the token.")],
    scope: Annotated[list[str], typer.Option(help="Permission the token may use (repeat).")],
    days: Annotated[int, typer.Option(help="Lifetime in days.")] = 30,
) -> None:
    """Create an API token for a user and print it once."""
    instance = Instance.from_settings(Settings())
    with instance.db.session() as session:
        user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
        if user is None or not user.active:
            raise NotFound(f"no active user '{username}'")
        actor = actor_for(session, user, None, instance.auth, Context.cli())
        _, value = tokens.create_token(session, actor, name, scope, days)
    sys.stdout.write(value + "\n")
