"""Sweeps on the providers' batch engines: submit every request at once, poll with backoff, ingest once."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from canvasbench.errors import CanvasBenchError, ProviderError, UsageError
from canvasbench.liveness import worker_alive, worker_token
from canvasbench.measure.analysis import analyse_response
from canvasbench.measure.pricing import Price, load_prices
from canvasbench.providers.base import GenerationRequest, GenerationResult, GenerationStatus
from canvasbench.providers.batch import BATCH_PROVIDERS, BatchEngine, BatchItem, engine_for
from canvasbench.providers.catalogue import accepted_request
from canvasbench.providers.registry import ensure_ready, parse_model_id
from canvasbench.redact import redact
from canvasbench.run.batch_rounds import FIRST_POLL_S, EngineFor, resend_job, send_job
from canvasbench.run.final_row import final_row
from canvasbench.run.runner import RunOptions
from canvasbench.status import Status
from canvasbench.store import RunStore, batches, utc_now, writes

MAX_POLL_S = 600.0
WAIT_RETRIES = 6  # polls in a row a provider may fail (network, 5xx) before `--wait` gives up with its message
# A job left `submitting` this long by a process that died may or may not exist at the provider.
LOST_SUBMIT = timedelta(minutes=10)


@dataclass
class BatchSubmission:
    """What a batch sweep created: comparisons (id -> label) and jobs (ours), and runs that failed to go."""

    comparisons: dict[str, str] = field(default_factory=dict)
    jobs: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)  # provider -> why its job could not be submitted


def batchable(model_ids: Sequence[str]) -> tuple[list[str], list[str]]:
    """(models a batch engine can run, models only streaming can): OpenAI-compatible endpoints have none."""
    can = [m for m in model_ids if parse_model_id(m)[0] in BATCH_PROVIDERS]
    return can, [m for m in model_ids if m not in can]


def submit_batch_sweep(
    store: RunStore,
    prompts: Sequence[tuple[dict[str, Any], str]],
    model_ids: Sequence[str],
    options: RunOptions,
    *,
    sweep_id: str | None = None,
    engines: EngineFor = engine_for,
) -> BatchSubmission:
    """One comparison per prompt, its runs queued in one job per provider (per model for Gemini), all at once."""
    models = ["{}:{}".format(*parse_model_id(m)) for m in model_ids]
    _, stream_only = batchable(models)
    if stream_only:
        engines(parse_model_id(stream_only[0])[0])  # raises the clear "no batch API" message
    for model_id in models:
        ensure_ready(model_id)  # a missing key is said before anything is written or sent
    submission = BatchSubmission()
    groups: dict[tuple[str, str], list[tuple[str, GenerationRequest]]] = {}
    for prompt, label in prompts:
        comparison_id, run_ids = writes.create_comparison(
            store, prompt=prompt, model_ids=models, options={**asdict(options), "mode": "batch"}, sweep_id=sweep_id
        )
        submission.comparisons[comparison_id] = label
        for run_id, model_id in zip(run_ids, models, strict=True):
            provider, model = parse_model_id(model_id)
            request = GenerationRequest(
                model=model, prompt=prompt["text"], max_output_tokens=options.max_output_tokens,
                thinking=options.thinking, temperature=options.temperature,
            )  # fmt: skip
            # Gemini names the model on the job; the others carry it in each request.
            groups.setdefault((provider, model if provider == "gemini" else ""), []).append(
                (run_id, accepted_request(model_id, request))
            )
    for (provider, model), requests in groups.items():
        label = f"canvasbench sweep {sweep_id or ''} {provider} {model}".strip()
        batch_id = batches.add_job(store, provider, label, [run_id for run_id, _ in requests], worker=worker_token())
        submission.jobs.append(batch_id)
        refused = send_job(store, batch_id, provider, requests, label, engines)
        if refused is not None:
            submission.refused[provider] = refused
    return submission


@dataclass
class JobReport:
    """One poll of one job: its state now, and how many runs this poll finished."""

    batch_id: str
    provider: str
    state: str
    done: int | None
    total: int | None
    ingested: list[str] = field(default_factory=list)  # runs this poll finished (to render-check)


def poll_jobs(
    store: RunStore,
    *,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    engines: EngineFor = engine_for,
    force: bool = False,
) -> list[JobReport]:
    """Poll every unfinished job that is due (all with `force`); ingest the ones that ended."""
    reports = []
    for job in batches.jobs(store, unfinished_only=True):
        when = now()
        if job["state"] == "submitting":
            # Since its last owner took it (a process that took over a dead one's job is as fresh as a new one).
            late = when - _parse(job["updated_at"] or job["created_at"]) > LOST_SUBMIT
            # Its process died before the provider said yes (or, on another machine, never finished): send again.
            if job["worker"] and (late or not worker_alive(job["worker"])):
                resend_job(store, job, engines)
            elif late:  # recorded before jobs named their process: its requests cannot be told apart
                _end_lost_submission(store, job)
            continue
        due = not job["next_poll_at"] or _parse(job["next_poll_at"]) <= when
        if job["state"] == "running" and not (force or due):  # an ended job not yet read is read at once
            reports.append(JobReport(job["id"], job["provider"], job["state"], job["done"], job["total"]))
            continue
        engine = engines(job["provider"])
        if job["state"] == "running":
            status = _at_provider(job, "asking about", engine.status, job["job_id"])
            done = status.done if status.done is not None else job["done"]  # Gemini reports no counts
            changed = (status.state, done) != (job["state"], job["done"])
            interval = (
                FIRST_POLL_S if changed else min(MAX_POLL_S, max(FIRST_POLL_S, 2 * (job["poll_interval_s"] or 0)))
            )
            batches.update_job(
                store, job["id"], state=status.state, raw_state=status.raw_state, total=status.total or job["total"],
                done=done, failed=status.failed, error=status.error, poll_interval_s=interval,
                next_poll_at=_stamp(when + timedelta(seconds=interval)),
            )  # fmt: skip
            job = {**job, "state": status.state, "error": status.error, "done": done}
        report = JobReport(job["id"], job["provider"], job["state"], job["done"], job["total"])
        if job["state"] != "running":
            report.ingested = ingest(store, job, engine)
        reports.append(report)
    return reports


def ingest(store: RunStore, job: dict[str, Any], engine: BatchEngine) -> list[str]:
    """Store every result of an ended job on its run, once: a run already ended is never written again."""
    waiting = batches.waiting_runs(store, job["id"])
    prices = load_prices()  # read once per job, not once per result
    finished: list[str] = []
    results: Iterator[BatchItem] = (
        engine.results(job["job_id"]) if job["state"] in ("ended", "cancelled", "expired") else iter(())
    )
    try:
        for item in results:
            run = waiting.pop(item.custom_id, None)
            if run is None:  # not ours, or stored by an earlier ingest that was cut short
                continue
            # Its own transaction, only while still queued: a second ingest (after a crash, or another process
            # reading the same job at once) skips it, and does not hand it to its checks again.
            if writes.set_run_columns(store, run["id"], _row(run, item, prices), only_if_active=True):
                finished.append(run["id"])
    except CanvasBenchError:
        raise
    except Exception as exc:  # a results download that broke part way, on any provider: said in one line
        raise ProviderError(
            f"reading the results of batch job {job['job_id']} broke after {len(finished)} of them "
            f"({type(exc).__name__}: {exc}); those are stored, and the rest are read when you run "
            "'canvasbench batches' again.",
            provider=job["provider"],
            model="batch",
        ) from exc
    if waiting:  # what the job ended without: the job's fate, in its words
        status, reason = _left_over(job)
        batches.finish_waiting(store, job["id"], status, reason, "error")
    batches.update_job(store, job["id"], ingested_at=utc_now())
    return finished


def cancel_job(store: RunStore, batch_id: str, *, engines: EngineFor = engine_for) -> dict[str, Any]:
    """Cancel a job at its provider (by our id or the provider's); its results are read as it ends."""
    job = batches.job(store, batch_id)
    if job is None:
        raise UsageError(f"No batch job {batch_id}: 'canvasbench batches' lists them.")
    if job["ingested_at"] is not None:
        raise UsageError(f"Batch job {batch_id} has already ended ({job['state']}): nothing to cancel.")
    if job["state"] == "submitting":  # no provider id to cancel: its submission never got one stored
        _cancel_unconfirmed(store, job)
        return job
    _at_provider(job, "cancelling", engines(job["provider"]).cancel, job["job_id"])
    batches.update_job(store, job["id"], next_poll_at=utc_now())
    return job


def _cancel_unconfirmed(store: RunStore, job: dict[str, Any]) -> None:
    """Cancel a job no provider confirmed: here only, and only once its submitting process is gone."""
    busy = UsageError(
        f"Batch job {job['id']} is being submitted by another process right now: cancel it once "
        "'canvasbench batches' lists it with the provider's job id."
    )
    if worker_alive(job["worker"]) or not batches.claim_submission(store, job, worker_token()):
        raise busy
    reason = "Cancelled before the provider confirmed this batch: it is not sent again."
    batches.finish_waiting(store, job["id"], Status.CANCELLED, reason, "error")
    batches.update_job(store, job["id"], state="cancelled", error=reason, ingested_at=utc_now(), worker=None)


def _at_provider(job: dict[str, Any], doing: str, call: Callable[[str], Any], job_id: str) -> Any:
    """A call about a job to its provider's SDK; any failure of it is said in one line (never a traceback)."""
    try:
        return call(job_id)
    except CanvasBenchError:
        raise
    except Exception as exc:  # any SDK or network failure: nothing was changed here, so trying again is safe
        code = getattr(exc, "status_code", None) or getattr(exc, "code", None)
        status = code if isinstance(code, int) else None
        raise ProviderError(
            redact(f"{doing} batch job {job['job_id']} failed ({type(exc).__name__}: {exc}); nothing was "
                   "changed here: run 'canvasbench batches' again later."),
            provider=job["provider"], model="batch", status=status,
            retryable=status is None or status in (408, 429) or status >= 500,
        ) from exc  # fmt: skip


def wait_for_jobs(
    store: RunStore,
    *,
    sleep: Callable[[float], None] = time.sleep,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    engines: EngineFor = engine_for,
    show: Callable[[list[JobReport]], None] = lambda _reports: None,
    step: Callable[[], None] = lambda: None,
    said: Callable[[str], None] = lambda _message: None,
) -> None:
    """Poll until every job has ended and been ingested, sleeping until the next one is due.

    A poll a provider fails for a passing reason (network, 429, 5xx) is said and tried again, a few times.
    `step` runs after each poll (check what arrived, send repair rounds): a job it submits is waited for too.
    """
    failures = 0
    while True:
        try:
            reports = poll_jobs(store, now=now, engines=engines)
        except ProviderError as exc:  # a network blip must not end hours of waiting; a lasting failure does
            failures += 1
            if not exc.retryable or failures >= WAIT_RETRIES:
                raise
            said(f"{exc} (trying again, {failures} of {WAIT_RETRIES - 1})")
            sleep(FIRST_POLL_S * failures)
            continue
        failures = 0
        show(reports)
        step()
        pending = batches.jobs(store, unfinished_only=True)
        if not pending:
            return
        due = min((_parse(j["next_poll_at"]) for j in pending if j["next_poll_at"]), default=now())
        sleep(max(1.0, (due - now()).total_seconds()))


def _row(run: dict[str, Any], item: BatchItem, prices: dict[str, Price]) -> dict[str, Any]:
    """The run's final columns from one batch result: no stream, so no time to first token or tokens/s."""
    status: GenerationStatus
    error = item.error
    if error is not None:
        status = "incomplete" if item.expired else "cancelled" if item.cancelled else "failed"
    elif item.finish == "error":  # as a stream ending so: the provider stopped it (Gemini OTHER, an unknown reason)
        status, error = "failed", f"the provider ended the answer with reason {item.raw_finish}."
    elif item.finish == "incomplete":  # as streamed (Anthropic pause_turn): not a whole answer
        status, error = "incomplete", f"the provider paused the answer ({item.raw_finish}) before it was complete."
    else:
        # Cut off by the output limit is a whole answer, `done` and truncated, as when streamed: it may be repaired.
        status = "done"
    finish = item.finish or ("error" if item.error else None)
    result = GenerationResult(
        status=status, text=item.text, reasoning=item.reasoning, finish_reason=finish,
        raw_finish_reason=item.raw_finish, error=error, attempts=1, usage=item.usage,
    )  # fmt: skip
    finished_at = utc_now()
    analysis = analyse_response(item.text)
    row = final_row(run["model_id"], result, analysis, timeline=[], finished_at=finished_at, batch=True, prices=prices)
    # Latency is the batch's turnaround (submitted -> results read), labelled as such wherever it is shown.
    row["latency_s"] = (_parse(finished_at) - _parse(run["created_at"])).total_seconds()
    row["ttft_s"] = row["tokens_per_s"] = row["first_chunk_s"] = None
    row["timeline"] = None
    return row


def _left_over(job: dict[str, Any]) -> tuple[Status, str]:
    state = job["state"]
    if state == "expired":
        return Status.INCOMPLETE, "The batch expired (24 hours) before this request ran."
    if state == "cancelled":
        return Status.CANCELLED, "The batch was cancelled before this request ran."
    if state == "failed":
        return Status.FAILED, redact(f"The {job['provider']} batch failed: {job['error'] or 'no reason given'}.")
    return Status.FAILED, f"The {job['provider']} batch ended without a result for this request."


def _end_lost_submission(store: RunStore, job: dict[str, Any]) -> None:
    reason = (
        "The process submitting this batch stopped before the provider confirmed it; if the provider did "
        "receive it, it is not tracked here. Run the sweep again."
    )
    batches.finish_waiting(store, job["id"], Status.FAILED, reason, "error")
    batches.update_job(store, job["id"], state="failed", error=reason, ingested_at=utc_now())


def _parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def _stamp(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
