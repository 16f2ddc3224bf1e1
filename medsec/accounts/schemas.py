"""API input and output models of the accounts domain."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from medsec.accounts.roles import Role


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    email: str | None
    display_name: str | None
    role: Role
    auth_source: str
    active: bool
    mfa_enabled: bool
    must_change_password: bool
    last_login_at: dt.datetime | None
    created_at: dt.datetime


class MeOut(BaseModel):
    user: UserOut
    organization_id: int
    organization_kind: str
    permissions: list[str]


class UserCreate(BaseModel):
    username: str = Field(min_length=2, max_length=120)
    role: Role
    email: str | None = Field(default=None, max_length=254)
    display_name: str | None = Field(default=None, max_length=200)


class UserCreated(BaseModel):
    user: UserOut
    temporary_password: str = Field(description="Shown once; must be changed at first login.")


class RoleChange(BaseModel):
    role: Role


class TokenCreate(BaseModel):
    name: str = Field(min_length=1, max_length=120)
    scopes: list[str] = Field(min_length=1)
    days: int = Field(default=90, ge=1, le=366)


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str
    scopes: list[str]
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None


class TokenCreated(BaseModel):
    token: TokenOut
    value: str = Field(description="The bearer token; shown once.")


class SessionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    created_at: dt.datetime
    last_seen_at: dt.datetime
    expires_at: dt.datetime
    ip: str | None
    user_agent: str | None


class MfaPolicy(BaseModel):
    required_for: list[Role]
