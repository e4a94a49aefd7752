"""The sidebar's batch jobs: while any is unfinished, poll the due ones off the page's thread and show progress."""

from __future__ import annotations

import streamlit as st

from canvasbench.present import batch_words, formatting
from canvasbench.store import RunStore, batches
from ui import data
from ui.format import md

POLL_EVERY_S = 30.0  # each job keeps its own backoff (30 s doubling to 10 min); this only asks what is due


def batch_jobs(store: RunStore) -> None:
    """`N batch jobs running (x/y done)`, polling while any job is unfinished or a repair round is due."""
    if not batches.jobs(store, unfinished_only=True) and not batches.repairs_due(store):
        return

    @st.fragment(run_every=POLL_EVERY_S)
    def panel() -> None:
        watch = data.batch_watch()
        watch.kick()  # a background poll (it also sends repair rounds due): the provider is never waited on here
        jobs = batches.jobs(store, unfinished_only=True)
        due = batches.repairs_due(store)
        if not jobs and not due:
            st.rerun()  # the last job ended and its runs are stored: draw the page again, then stop polling
        st.caption("Batch jobs")
        if jobs:
            st.markdown(md(batch_words.jobs_summary(jobs)))
        if due:  # checked in the shared pool; the next poll sends their follow-up batch
            st.caption(md(batch_words.repairs_waiting(due)))
        for job in jobs[:6]:
            ago = formatting.seconds_between(job["created_at"])
            said = batch_words.job_round(job)
            st.markdown(
                f"- {md(job['provider'])}{f' · {md(said)}' if said else ''} · {job['done'] or 0}/{job['total'] or '?'}"
                f" · submitted {md(batch_words.span(ago))} ago"
            )
        if watch.last_error:
            st.caption(f"Polling failed, tried again soon: {md(watch.last_error)}")

    panel()
