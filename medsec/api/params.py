"""Parameters shared by the API routers.

Every table's primary key is an SQL ``INTEGER`` (32 bits on PostgreSQL, and SQLite refuses
Python integers beyond 64 bits), so an id outside ``1 … 2³¹-1`` cannot name anything: it
is refused as invalid input (422) before any query runs.

>>> MAX_ID
2147483647
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

MAX_ID = 2**31 - 1

#: A path parameter holding the id of a stored object.
ObjectId = Annotated[int, Path(ge=1, le=MAX_ID, description="Id of a stored object.")]
