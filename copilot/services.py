"""The parts the service and the CLI commands work with, assembled in one place (`Services`).

`create_app` builds them whole (`serving=True`); each CLI command builds what it needs through the same
constructor, leaving out by option what it has no use for (the rule book, the phrase index), so the command
and the service cannot drift apart in how a part is made.
"""

from __future__ import annotations

from datetime import timedelta
from types import TracebackType
from typing import TYPE_CHECKING, TypeVar
from zoneinfo import ZoneInfo

from copilot.auth.passwords import Passwords
from copilot.config import Settings
from copilot.lint import load_rules
from copilot.store import DatabaseLimits, Store, open_store

# The parts are imported where they are built: `export` or `user add` need only the store, and the phrase
# index alone imports scipy (half a second).
if TYPE_CHECKING:
    from copilot.api.auth_deps import IdentityCache
    from copilot.api.hub import Hub
    from copilot.auth.ratelimit import LoginLimits
    from copilot.learn.runner import JobRunner
    from copilot.learn.writer import CandidateWriter
    from copilot.live import LiveIndex
    from copilot.rulebook import RuleBook
    from copilot.stats.recorder import EventWriter

T = TypeVar("T")


def template_defaults(settings: Settings) -> dict[str, str]:
    """The placeholder values ({agent_no}, {shop}, {customer}) a phrase renders with when a sidebar sends none."""
    return {"agent_no": settings.agent_no, "shop": settings.shop_name, "customer": settings.customer_name}


class Services:
    """The store and what is built on it: the rule book, the phrase index, and (for a running worker) the
    WebSocket hub, the batch writers, the chat-log job runner and the login limits and cache.

    - `rules`: load the default packs and the shop's rules (the packs load before the database is opened,
      so a broken pack stops a command or a worker with the pack's own message and nothing migrated);
      without it the phrase index leaves blocked phrases unmarked (their order, not their scores, changes).
    - `index`: build the phrase index now; else it is built on first use of `live` (`learn import` answers
      a refused file before paying for it), and a command that never asks never builds it.
    - `serving`: the parts only a running worker has (they hold asyncio state and connect the bus).

    Opening migrates and seeds the database, so nothing works from a half-made one. `close()` (or `with`)
    disposes of the store's connections.
    """

    def __init__(self, settings: Settings, *, rules: bool = True, index: bool = True, serving: bool = False) -> None:
        self.settings = settings
        packs = load_rules([settings.rules_dir]) if rules else None
        self.store: Store = open_store(settings.database_url, settings.phrasebank_dir, DatabaseLimits.of(settings))
        try:
            self._rulebook: RuleBook | None = None
            if packs is not None:
                from copilot.rulebook import RuleBook

                self._rulebook = RuleBook(settings.rules_dir, self.store, settings.lint_max_diagnostics, packs)
            self.defaults = template_defaults(settings)
            self._live: LiveIndex | None = None
            if index or serving:
                self._live = self._build_index()
            self.passwords = Passwords(settings.password_time_cost, settings.password_memory_kib)
            self._events: EventWriter | None = None
            self._learner: CandidateWriter | None = None
            self._learn_jobs: JobRunner | None = None
            self._hub: Hub | None = None
            self._login_limits: LoginLimits | None = None
            self._auth_cache: IdentityCache | None = None
            if serving:
                self._serve()
        except BaseException:
            self.store.dispose()
            raise

    def _build_index(self) -> LiveIndex:
        from copilot.live import LiveIndex
        from copilot.suggest import model_cache
        from copilot.suggest.lexicon import load_lexicon

        model_cache.use_folder(self.settings.cache_dir)
        lexicon = load_lexicon(self.settings.lexicon_dir, self.settings.training_dir)
        return LiveIndex(self.store, lexicon, self.defaults, self._rulebook)

    def _serve(self) -> None:
        from copilot.api.hub import Hub
        from copilot.auth.cache import VerifiedCache
        from copilot.auth.ratelimit import LoginLimits
        from copilot.learn.runner import JobRunner
        from copilot.learn.writer import CandidateWriter
        from copilot.stats.recorder import EventWriter

        settings = self.settings
        self._events = EventWriter(self.store, ZoneInfo(settings.stats_timezone), settings.stats_keep_text)
        self._learn_jobs = JobRunner(self.store, self.live, settings)
        self._learner = CandidateWriter(self.store, settings.learn_auto_accept_agents)
        self._hub = Hub(settings, self.rulebook, self.live, self._events, self.store, self._learner)
        self._login_limits = LoginLimits(
            settings.login_max_failures,
            settings.login_ip_max_failures,
            timedelta(minutes=settings.login_window_minutes),
        )
        self._auth_cache = VerifiedCache(settings.auth_cache_seconds)  # logins outlive a database outage

    @staticmethod
    def _built(part: T | None, what: str, option: str) -> T:
        if part is None:
            raise RuntimeError(f"these services were built without {what} (Services({option}=…))")
        return part

    @property
    def rulebook(self) -> RuleBook:
        """The rules in force: the default packs layered with the shop's, rebuilt when their version moves."""
        return self._built(self._rulebook, "the rule book", "rules")

    @property
    def live(self) -> LiveIndex:
        """The phrase index (with the blocked phrases marked when the rule book is there)."""
        if self._live is None:
            self._live = self._build_index()
        return self._live

    @property
    def events(self) -> EventWriter:
        """The stats events of this worker's sidebars, written in batches."""
        return self._built(self._events, "the event writer", "serving")

    @property
    def learner(self) -> CandidateWriter:
        """The sightings of this worker's sidebars (candidate example questions), written in batches."""
        return self._built(self._learner, "the candidate writer", "serving")

    @property
    def learn_jobs(self) -> JobRunner:
        """This worker's runner of chat-log mining jobs."""
        return self._built(self._learn_jobs, "the job runner", "serving")

    @property
    def hub(self) -> Hub:
        """This worker's WebSocket sidebars and the bus to the other workers'."""
        return self._built(self._hub, "the hub", "serving")

    @property
    def login_limits(self) -> LoginLimits:
        return self._built(self._login_limits, "the login limits", "serving")

    @property
    def auth_cache(self) -> IdentityCache:
        """The sessions and tokens this worker verified lately (they outlive a database outage)."""
        return self._built(self._auth_cache, "the login cache", "serving")

    def close(self) -> None:
        self.store.dispose()

    def __enter__(self) -> Services:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()
