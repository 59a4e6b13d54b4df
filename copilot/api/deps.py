"""Typed dependencies for routes: the worker's services (copilot/services.py) and the parts routes use.

Routes take these instead of reading `request.app.state`, so what a route needs is in its signature.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

from fastapi import Depends
from starlette.requests import HTTPConnection

from copilot.api.errors import ApiError
from copilot.api.hub import Hub
from copilot.auth.passwords import Passwords
from copilot.auth.ratelimit import LoginLimits
from copilot.config import Settings
from copilot.learn.runner import JobRunner
from copilot.learn.writer import CandidateWriter
from copilot.lint import Linter
from copilot.live import LiveIndex
from copilot.rulebook import RuleBook
from copilot.services import Services
from copilot.stats.recorder import EventWriter
from copilot.store import Store
from copilot.textcheck import TextError, check_text

T = TypeVar("T")


def services_of(connection: HTTPConnection) -> Services:
    """This worker's services, for an HTTP request or a WebSocket (create_app stores them on the app)."""
    services: Services = connection.app.state.services
    return services


# async: FastAPI runs a sync dependency in anyio's shared thread pool, which a hung database can fill
async def get_services(connection: HTTPConnection) -> Services:
    return services_of(connection)


ServicesDep = Annotated[Services, Depends(get_services)]


def part(read: Callable[[Services], T]) -> Callable[[Services], Awaitable[T]]:
    """A dependency answering one part of the services (`read` picks it), typed as that part."""

    async def dependency(services: ServicesDep) -> T:
        return read(services)

    return dependency


SettingsDep = Annotated[Settings, Depends(part(lambda services: services.settings))]
StoreDep = Annotated[Store, Depends(part(lambda services: services.store))]
RuleBookDep = Annotated[RuleBook, Depends(part(lambda services: services.rulebook))]
LinterDep = Annotated[Linter, Depends(part(lambda services: services.rulebook.linter))]
LiveDep = Annotated[LiveIndex, Depends(part(lambda services: services.live))]
HubDep = Annotated[Hub, Depends(part(lambda services: services.hub))]
EventsDep = Annotated[EventWriter, Depends(part(lambda services: services.events))]
LearnJobsDep = Annotated[JobRunner, Depends(part(lambda services: services.learn_jobs))]
LearnerDep = Annotated[CandidateWriter, Depends(part(lambda services: services.learner))]
PasswordsDep = Annotated[Passwords, Depends(part(lambda services: services.passwords))]
LoginLimitsDep = Annotated[LoginLimits, Depends(part(lambda services: services.login_limits))]


def require_text(text: str, settings: Settings, field: str = "text") -> str:
    """The text if we accept it; otherwise a 413 (too long) or 422 (bad characters) ApiError."""
    try:
        check_text(text, settings.max_text_chars, field)
    except TextError as exc:
        status = 413 if exc.code == "text_too_long" else 422
        raise ApiError(status, exc.code, exc.message) from None
    return text
