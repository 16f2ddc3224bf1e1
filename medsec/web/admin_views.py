"""``/admin``: the organization's users, its MFA policy and the user-access review.

Every action is a small POST form that redirects back to the list (so it works without
JavaScript); the only pages answered directly are those showing a secret once (a new
user's temporary password) and the re-authentication form.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from medsec.accounts import authentication, services
from medsec.accounts.dependencies import DbSession, instance
from medsec.accounts.roles import ROLE_DESCRIPTIONS, Permission, Role
from medsec.api.routing import OneThreadRoute
from medsec.errors import AuthenticationRequired, Conflict, Error
from medsec.web.access import Viewer, discard, page
from medsec.web.account_views import reauth_page
from medsec.web.forms import FormErrors, explain
from medsec.web.rendering import render, see_other

router = APIRouter(include_in_schema=False, route_class=OneThreadRoute)

Text = Annotated[str, Form()]
Reader = Annotated[Viewer, page(Permission.USERS_READ)]
Manager = Annotated[Viewer, page(Permission.USERS_MANAGE)]

USERS = "/admin/users"


def _users_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    *,
    errors: FormErrors | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    return render(
        request,
        "admin/users.html",
        viewer=viewer,
        status=status,
        users=services.list_users(session, viewer.actor),
        roles=list(Role),
        role_options=[(r.value, f"{r.value}: {ROLE_DESCRIPTIONS[r]}") for r in Role],
        can_manage=viewer.actor.can(Permission.USERS_MANAGE),
        errors=errors or FormErrors(),
        values=values or {"role": Role.AUDITOR.value},
    )


def _refused(request: Request, session: Session, viewer: Viewer, error: Error) -> Response:
    """An action was refused: show why on the list, or ask to re-authenticate."""
    discard(session, error)
    if isinstance(error, AuthenticationRequired):
        return reauth_page(request, viewer, reason=explain(error), next_url=USERS)
    errors = FormErrors()
    errors.add(None, explain(error))
    return _users_page(request, session, viewer, errors=errors, status=error.status)


@router.get(USERS)
def users(request: Request, session: DbSession, viewer: Reader) -> Response:
    return _users_page(request, session, viewer)


@router.post(USERS)
def create_user(
    request: Request,
    session: DbSession,
    viewer: Manager,
    username: Text = "",
    role: Text = "",
    email: Text = "",
    display_name: Text = "",
) -> Response:
    values = {"username": username, "role": role, "email": email, "display_name": display_name}
    errors = FormErrors()
    errors.require("username", username, "a username")
    if role not in {r.value for r in Role}:
        errors.add("role", "Choose a role.")
    if not errors:
        try:
            user, password = services.add_user(
                session,
                viewer.actor,
                services.NewUser(
                    username, Role(role), email.strip() or None, display_name.strip() or None
                ),
                instance(request).auth.hasher,
            )
        except Error as e:
            discard(session, e)
            # add_user refuses a taken name (Conflict) or an invalid one (Error): both
            # are about the username.
            errors.add(
                "username",
                explain(e)
                if not isinstance(e, Conflict)
                else f"The username '{username.strip().lower()}' is taken.",
            )
        else:
            return render(
                request, "admin/user_created.html", viewer=viewer, user=user, password=password
            )
    return _users_page(request, session, viewer, errors=errors, values=values, status=422)


@router.post(USERS + "/{user_id}/role")
def change_role(
    request: Request, session: DbSession, viewer: Manager, user_id: int, role: Text = ""
) -> Response:
    try:
        services.change_role(session, viewer.actor, user_id, Role(role))
    except ValueError:
        return _refused(request, session, viewer, Error(f"'{role}' is not a role"))
    except Error as e:
        return _refused(request, session, viewer, e)
    return see_other(USERS, "role-changed")


@router.post(USERS + "/{user_id}/disable")
def disable_user(request: Request, session: DbSession, viewer: Manager, user_id: int) -> Response:
    try:
        services.disable_user(session, viewer.actor, user_id)
    except Error as e:
        return _refused(request, session, viewer, e)
    return see_other(USERS, "user-disabled")


@router.post(USERS + "/{user_id}/enable")
def enable_user(request: Request, session: DbSession, viewer: Manager, user_id: int) -> Response:
    try:
        services.enable_user(session, viewer.actor, user_id)
    except Error as e:
        return _refused(request, session, viewer, e)
    return see_other(USERS, "user-enabled")


@router.get(USERS + "/{user_id}/delete")
def confirm_delete(request: Request, session: DbSession, viewer: Manager, user_id: int) -> Response:
    """Ask before deleting: a plain page, so the confirmation needs no JavaScript."""
    user = services.user_for(session, viewer.actor, user_id)
    return render(request, "admin/user_delete.html", viewer=viewer, user=user)


@router.post(USERS + "/{user_id}/delete")
def delete_user(request: Request, session: DbSession, viewer: Manager, user_id: int) -> Response:
    try:
        services.delete_user(session, viewer.actor, user_id)
    except Error as e:
        return _refused(request, session, viewer, e)
    return see_other(USERS, "user-deleted")


@router.post(USERS + "/{user_id}/mfa-reset")
def reset_mfa(request: Request, session: DbSession, viewer: Manager, user_id: int) -> Response:
    try:
        authentication.reset_mfa(session, viewer.actor, user_id)
    except Error as e:
        return _refused(request, session, viewer, e)
    return see_other(USERS, "mfa-reset")


# --------------------------------------------------------------------------- MFA policy

PolicyManager = Annotated[Viewer, page(Permission.ORGANIZATION_MANAGE)]


@router.get("/admin/policy")
def policy(request: Request, session: DbSession, viewer: PolicyManager) -> Response:
    org = services.get_organization(session, viewer.actor.organization_id)
    return render(
        request,
        "admin/policy.html",
        viewer=viewer,
        roles=list(Role),
        required=set(org.mfa_required_roles),
        role_descriptions=ROLE_DESCRIPTIONS,
    )


@router.post("/admin/policy")
def save_policy(
    session: DbSession,
    viewer: PolicyManager,
    roles: Annotated[list[str] | None, Form()] = None,
) -> Response:
    chosen = [Role(r) for r in roles or [] if r in {x.value for x in Role}]
    services.set_mfa_policy(session, viewer.actor, chosen)
    return see_other("/admin/policy", "policy-saved")


# --------------------------------------------------------------------------- access review


@router.get("/admin/access-review")
def access_review(request: Request, session: DbSession, viewer: Reader) -> Response:
    rows = services.access_review(
        session, viewer.actor, dormant_days=instance(request).settings.dormant_days
    )
    return render(
        request,
        "admin/access_review.html",
        viewer=viewer,
        rows=rows,
        dormant_days=instance(request).settings.dormant_days,
    )
