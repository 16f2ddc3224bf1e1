"""Offset pagination for list endpoints: ``?offset=0&limit=50`` → ``{items, total, …}``."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel


class PageParams(BaseModel):
    offset: int = 0
    limit: int = 50


async def page_params(
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> PageParams:
    """The page asked for (a coroutine: FastAPI runs it on the event loop, no thread)."""
    return PageParams(offset=offset, limit=limit)


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    offset: int
    limit: int
