"""The service's side of chat-log mining: a task in each worker's lifespan that claims queued jobs (or
jobs whose worker died) and runs them, one at a time, in a thread, so the event loop never waits."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading

from copilot.config import Settings
from copilot.learn import jobs
from copilot.learn.matching import matcher_for
from copilot.live import LiveIndex
from copilot.store import Store
from copilot.store.health import is_unavailable

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0  # how often an idle worker looks for jobs (an upload through this worker wakes it at once)
STOP_SECONDS = 10.0  # at shutdown, how long to wait for a running job to hand itself back to the queue


class JobRunner:
    """Runs chat-log mining jobs for one worker process."""

    def __init__(self, store: Store, live: LiveIndex, settings: Settings, poll_seconds: float = POLL_SECONDS) -> None:
        self.store, self.live, self.settings = store, live, settings
        self.poll_seconds = poll_seconds
        self.worker = jobs.worker_name()
        self._wake = asyncio.Event()
        self._stop = threading.Event()  # read by the mining thread: a shutting worker hands its job back

    def wake(self) -> None:
        """Look for a job now (an upload just queued one)."""
        self._wake.set()

    async def run(self) -> None:
        """Forever (cancelled at shutdown): run whatever job is there, else wait for a wake-up or the poll."""
        while True:
            try:
                ran = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a database hiccup must not end mining for good
                if is_unavailable(exc):
                    self.store.outage.failure(exc, request=False)
                else:
                    log.exception("learn job runner: will retry")
                ran = False
            if ran:
                continue  # another job may be waiting
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
            self._wake.clear()

    async def run_once(self) -> bool:
        """Claim and run one job if there is one; True when a job was found (whoever ran it)."""
        upload_id = await asyncio.to_thread(jobs.next_job, self.store)
        if upload_id is None:
            await asyncio.to_thread(jobs.fail_abandoned, self.store, keep_text=self.settings.learn_keep_text)
            return False
        suggester = self.live.suggester
        matcher = await asyncio.to_thread(matcher_for, suggester.index)
        work = asyncio.ensure_future(
            asyncio.to_thread(
                jobs.run_job,
                self.store,
                upload_id,
                suggester,
                matcher,
                worker=self.worker,
                keep_text=self.settings.learn_keep_text,
                auto_accept_agents=self.settings.learn_auto_accept_agents,
                lease_seconds=self.settings.learn_lease_seconds,
                stop=self._stop.is_set,
            )
        )
        try:
            await asyncio.shield(work)
        except asyncio.CancelledError:
            # Shutting down: the thread cannot be killed, so ask it to stop (it hands the job back to the
            # queue within a check) and wait for that, so the process exits with no job left claimed.
            self._stop.set()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(work, STOP_SECONDS)
            raise
        return True
