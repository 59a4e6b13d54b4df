"""Typed dependencies for routes: the worker's services (copilot/services.py) and the parts routes use.

Routes take these instead of reading `request.app.state`, so what a route needs is in its signature.
"""

from __future__ import annotations

from typing import Annotated

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


def services_of(connection: HTTPConnection) -> Services:
    """This worker's services, for an HTTP request or a WebSocket (create_app stores them on the app)."""
    services: Services = connection.app.state.services
    return services


# async: FastAPI runs a sync dependency in anyio's shared thread pool, which a hung database can fill
async def get_services(connection: HTTPConnection) -> Services:
    return services_of(connection)


ServicesDep = Annotated[Services, Depends(get_services)]


async def get_settings(services: ServicesDep) -> Settings:
    return services.settings


async def get_store(services: ServicesDep) -> Store:
    return services.store


async def get_rulebook(services: ServicesDep) -> RuleBook:
    return services.rulebook


async def get_linter(services: ServicesDep) -> Linter:
    return services.rulebook.linter


async def get_live(services: ServicesDep) -> LiveIndex:
    return services.live


async def get_hub(services: ServicesDep) -> Hub:
    return services.hub


async def get_events(services: ServicesDep) -> EventWriter:
    return services.events


async def get_learn_jobs(services: ServicesDep) -> JobRunner:
    return services.learn_jobs


async def get_learner(services: ServicesDep) -> CandidateWriter:
    return services.learner


async def get_passwords(services: ServicesDep) -> Passwords:
    return services.passwords


async def get_login_limits(services: ServicesDep) -> LoginLimits:
    return services.login_limits


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[Store, Depends(get_store)]
RuleBookDep = Annotated[RuleBook, Depends(get_rulebook)]
LinterDep = Annotated[Linter, Depends(get_linter)]
LiveDep = Annotated[LiveIndex, Depends(get_live)]
HubDep = Annotated[Hub, Depends(get_hub)]
EventsDep = Annotated[EventWriter, Depends(get_events)]
LearnJobsDep = Annotated[JobRunner, Depends(get_learn_jobs)]
LearnerDep = Annotated[CandidateWriter, Depends(get_learner)]
PasswordsDep = Annotated[Passwords, Depends(get_passwords)]
LoginLimitsDep = Annotated[LoginLimits, Depends(get_login_limits)]


def require_text(text: str, settings: Settings, field: str = "text") -> str:
    """The text if we accept it; otherwise a 413 (too long) or 422 (bad characters) ApiError."""
    try:
        check_text(text, settings.max_text_chars, field)
    except TextError as exc:
        status = 413 if exc.code == "text_too_long" else 422
        raise ApiError(status, exc.code, exc.message) from None
    return text
