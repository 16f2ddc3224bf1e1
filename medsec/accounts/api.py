"""``/api/v1`` routes of the accounts domain: thin over the services."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from medsec.accounts import authentication, services, tokens
from medsec.accounts.actor import Actor
from medsec.accounts.dependencies import DbSession, authenticated, instance, requires
from medsec.accounts.roles import ROLE_PERMISSIONS, Permission
from medsec.accounts.schemas import (
    MeOut,
    MfaPolicy,
    RoleChange,
    SessionOut,
    TokenCreate,
    TokenCreated,
    TokenOut,
    UserCreate,
    UserCreated,
    UserOut,
)
from medsec.api.pagination import Page, PageParams, page_params
from medsec.api.params import ObjectId
from medsec.api.routing import OneThreadRoute

router = APIRouter(prefix="/api/v1", tags=["accounts"], route_class=OneThreadRoute)

Authenticated = Annotated[Actor, authenticated()]


@router.get("/me")
def me(actor: Authenticated, session: DbSession) -> MeOut:
    user = services.user_for(session, actor, actor.user_id)
    return MeOut(
        user=UserOut.model_validate(user),
        organization_id=actor.organization_id,
        organization_kind=actor.organization_kind.value,
        permissions=sorted(p.value for p in ROLE_PERMISSIONS[actor.role] if actor.can(p)),
    )


@router.get("/users")
def list_users(
    actor: Annotated[Actor, requires(Permission.USERS_READ)],
    session: DbSession,
    page: Annotated[PageParams, Depends(page_params)],
) -> Page[UserOut]:
    users = services.list_users(session, actor)
    items = [UserOut.model_validate(u) for u in users[page.offset : page.offset + page.limit]]
    return Page(items=items, total=len(users), offset=page.offset, limit=page.limit)


@router.post("/users", status_code=201)
def create_user(
    body: UserCreate,
    actor: Annotated[Actor, requires(Permission.USERS_MANAGE)],
    session: DbSession,
    request: Request,
) -> UserCreated:
    user, password = services.add_user(
        session,
        actor,
        services.NewUser(body.username, body.role, body.email, body.display_name),
        instance(request).auth.hasher,
    )
    return UserCreated(user=UserOut.model_validate(user), temporary_password=password)


@router.patch("/users/{user_id}")
def change_role(
    user_id: ObjectId,
    body: RoleChange,
    actor: Annotated[Actor, requires(Permission.USERS_MANAGE)],
    session: DbSession,
) -> UserOut:
    return UserOut.model_validate(services.change_role(session, actor, user_id, body.role))


@router.post("/users/{user_id}/disable")
def disable_user(
    user_id: ObjectId,
    actor: Annotated[Actor, requires(Permission.USERS_MANAGE)],
    session: DbSession,
) -> UserOut:
    return UserOut.model_validate(services.disable_user(session, actor, user_id))


@router.post("/users/{user_id}/enable")
def enable_user(
    user_id: ObjectId,
    actor: Annotated[Actor, requires(Permission.USERS_MANAGE)],
    session: DbSession,
) -> UserOut:
    return UserOut.model_validate(services.enable_user(session, actor, user_id))


@router.delete("/users/{user_id}", status_code=204)
def delete_user(
    user_id: ObjectId,
    actor: Annotated[Actor, requires(Permission.USERS_MANAGE)],
    session: DbSession,
) -> Response:
    services.delete_user(session, actor, user_id)
    return Response(status_code=204)


@router.post("/users/{user_id}/mfa-reset", status_code=204)
def reset_mfa(
    user_id: ObjectId,
    actor: Annotated[Actor, requires(Permission.USERS_MANAGE)],
    session: DbSession,
) -> Response:
    authentication.reset_mfa(session, actor, user_id)
    return Response(status_code=204)


@router.get("/access-review", response_model=None)
def access_review(
    actor: Annotated[Actor, requires(Permission.USERS_READ)],
    session: DbSession,
    request: Request,
    format: Annotated[Literal["json", "csv"], Query()] = "json",
) -> Response:
    rows = services.access_review(
        session, actor, dormant_days=instance(request).settings.dormant_days
    )
    if format == "csv":
        return PlainTextResponse(
            services.access_review_csv(rows),
            media_type="text/csv",
            headers={"Content-Disposition": 'attachment; filename="access-review.csv"'},
        )
    return JSONResponse(services.access_review_json(rows))


@router.put("/organization/mfa-policy")
def set_mfa_policy(
    body: MfaPolicy,
    actor: Annotated[Actor, requires(Permission.ORGANIZATION_MANAGE)],
    session: DbSession,
) -> MfaPolicy:
    org = services.set_mfa_policy(session, actor, body.required_for)
    return MfaPolicy.model_validate({"required_for": org.mfa_required_roles})


@router.get("/tokens")
def list_tokens(actor: Authenticated, session: DbSession) -> list[TokenOut]:
    return [TokenOut.model_validate(t) for t in tokens.list_tokens(session, actor)]


@router.post("/tokens", status_code=201)
def create_token(body: TokenCreate, actor: Authenticated, session: DbSession) -> TokenCreated:
    token, value = tokens.create_token(session, actor, body.name, body.scopes, body.days)
    return TokenCreated(token=TokenOut.model_validate(token), value=value)


@router.delete("/tokens/{token_id}", status_code=204)
def revoke_token(token_id: ObjectId, actor: Authenticated, session: DbSession) -> Response:
    tokens.revoke_token(session, actor, token_id)
    return Response(status_code=204)


@router.get("/sessions")
def list_sessions(actor: Authenticated, session: DbSession) -> list[SessionOut]:
    return [SessionOut.model_validate(s) for s in authentication.list_sessions(session, actor)]


@router.delete("/sessions/{session_id}", status_code=204)
def revoke_session(session_id: ObjectId, actor: Authenticated, session: DbSession) -> Response:
    authentication.revoke_session(session, actor, session_id)
    return Response(status_code=204)
