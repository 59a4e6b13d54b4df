"""Bounded query and path parameters shared by the routes: no integer the database cannot store, no endless string.

Row ids and versions are 32-bit integer columns on PostgreSQL; a larger number used to reach the driver and answer
500 (and 2^63 overflows SQLite's integers), so it is refused with a 422 before any query runs.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from copilot.store.schemas import MAX_INT  # the largest PostgreSQL `integer`: ids, versions and offsets fit in it

Version = Annotated[int | None, Query(ge=1, le=MAX_INT, description="只在对象仍是这个版本时执行")]
Offset = Annotated[int | None, Query(ge=0, le=MAX_INT, description="跳过前多少条")]
RowId = Annotated[int, Path(ge=1, le=MAX_INT)]
ItemId = Annotated[str, Path(min_length=1, max_length=128)]  # phrase ids (40 chars at most) and rule ids
Choice = Annotated[str | None, Query(max_length=64)]  # an intent, group or format name checked by the route
