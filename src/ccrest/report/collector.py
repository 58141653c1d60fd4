"""The pytest side of the reports: feed pytest-html, write the files.

Registered by ``ccrest.plugin`` for conformance runs; it reads the run's state from
``ccrest.run`` (every test's record, each controller's verdict) and never imports the plugin.
It writes ``conformance.json``, ``conformance.md`` and ``conformance.xml`` itself; pytest-html
writes ``conformance.html`` (with the verdict, matrix, environment and details added here). The
reports are written whatever happens: a device found untestable, a run interrupted. Every file
is written whole or not at all (``ccrest.report.files``).
"""

from __future__ import annotations

import contextlib
import datetime
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ccrest import __version__, interface
from ccrest.bench import Bench
from ccrest.client import CONFIGURED
from ccrest.findings import Finding
from ccrest.report import fleet, html, junit, markdown, timeline
from ccrest.report.files import write_json, write_text
from ccrest.report.summary import Record, build
from ccrest.run import (
    Scope,
    benches,
    deadline_cut,
    deviations,
    is_lab,
    only,
    run_scope,
    state,
)
from ccrest.verdict import EXIT_NOTHING, Decision, Verdict

UNJUDGED = Decision(Verdict.NOT_TESTED, EXIT_NOTHING, "the run ended before a verdict")


class ReportCollector:
    def __init__(self, config: pytest.Config, folder: Path, junit: Path | None) -> None:
        self.config = config
        self.folder = folder  # a lab run: reports/<name>/ per controller, and fleet.*
        self.json_path = folder / "conformance.json"
        self.md_path = folder / "conformance.md"
        self.junit_path = junit
        self.started = datetime.datetime.now(datetime.UTC)
        self._t0 = time.monotonic()
        self.summary: dict[str, Any] | None = None
        self._html_report: Any = None  # pytest-html's report (untyped)
        self._packages: dict[str, Any] = {}
        self.fleet: dict[str, Any] | None = None
        self.written = False  # the run reached its end: pytest-html may write its page

    def attach(self, report: pytest.TestReport, findings: list[Finding]) -> None:
        """Called by the plugin's makereport wrapper: what pytest-html's hooks show."""
        if is_lab(self.config):
            return  # no pytest-html page to feed; an xdist worker sends reports as JSON
        record = state(self.config).records.get(report.nodeid)
        report.ccrest_checks = record.checks if record else ()  # type: ignore[attr-defined]
        report.ccrest_findings = findings  # type: ignore[attr-defined]

    # -- pytest-html -----------------------------------------------------------------------
    def pytest_html_report_title(self, report: Any) -> None:
        self._html_report = report
        report.title = "ccrest conformance report"

    def pytest_html_results_table_header(self, cells: list[str]) -> None:
        cells.insert(2, '<th class="sortable" data-column-type="checks">Checks</th>')

    def pytest_html_results_table_row(self, report: pytest.TestReport, cells: list[str]) -> None:
        cells.insert(2, html.checks_cell(getattr(report, "ccrest_checks", ())))

    def pytest_html_results_table_html(self, report: pytest.TestReport, data: list[str]) -> None:
        checks = getattr(report, "ccrest_checks", ())
        if checks and report.when in ("call", "setup"):
            cat = only(self.config).cat
            data.append(html.details(checks, getattr(report, "ccrest_findings", []), cat))

    def pytest_html_results_summary(
        self, prefix: list[str], summary: list[str], postfix: list[str], session: pytest.Session
    ) -> None:
        if self.summary is not None:
            prefix.append(html.matrix(self.summary, self._packages))

    @pytest.hookimpl(trylast=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        """pytest-html writes its page with a plain open(): through a link planted where the
        page goes, half a page if it is stopped, and a page for a run that never happened (a
        usage error found while collecting). Its one writer is given ours instead."""
        try:
            from pytest_html.basereport import BaseReport
        except ImportError:  # pragma: no cover - a dependency
            return
        for plugin in self.config.pluginmanager.get_plugins():
            if isinstance(plugin, BaseReport) and hasattr(plugin, "_report_path"):
                plugin._write_report = self._html_writer(Path(plugin._report_path))

    @pytest.hookimpl(tryfirst=True, specname="pytest_sessionstart")
    def pytest_sessionstart_lab(self, session: pytest.Session) -> None:
        """A lab's earlier reports go before its run begins (the run is under way: no usage
        error left them): the fleet reads only this run's, and a controller it never began
        is named as such, never judged by an earlier run's report."""
        if is_lab(self.config) and not hasattr(self.config, "workerinput"):
            for name in benches(self.config):
                for suffix in ("json", "md", "html", "xml"):
                    (self.folder / name / f"conformance.{suffix}").unlink(missing_ok=True)

    def _html_writer(self, path: Path) -> Callable[[str], None]:
        def write(text: str) -> None:
            if self.written:
                write_text(path, text)

        return write

    # -- writing ---------------------------------------------------------------------------
    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if session.exitstatus == pytest.ExitCode.USAGE_ERROR:
            return  # no run happened: no report is written, none is touched
        records = list(state(self.config).records.values())
        self.written = True
        if is_lab(self.config):
            self._lab_finish(session, records)
            return
        bench = only(self.config)
        self.summary = self._summary(bench, records, session)
        self._update_html()
        summary_md = markdown.render(self.summary)
        write_json(self.json_path, self.summary)
        write_text(self.md_path, summary_md)
        if self.junit_path is not None:
            write_text(self.junit_path, junit.render(self.summary, records))
        step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if step_summary:  # a GitHub Actions job shows it on the run's page
            with contextlib.suppress(OSError), open(step_summary, "a", encoding="utf-8") as out:
                out.write(summary_md + "\n")

    def _summary(
        self, bench: Bench, records: list[Record], session: pytest.Session
    ) -> dict[str, Any]:
        settings, target = bench.settings, bench.target
        cut = deadline_cut(self.config)
        observed = target.first.values if target is not None and target.first else {}
        scope = state(self.config).scope or run_scope(session)
        if bench.name:  # a lab's controller: its own tests, not the whole run's
            scope = scope | {"tests": len(records)}
        decision = bench.decision or UNJUDGED
        summary = build(
            records,
            bench.cat,
            target={
                "url": target.url if target else (settings.url or "bundled simulator"),
                "embedded": settings.embedded,
                **({"replay": settings.replay.name} if settings.replay else {}),
            },
            observed=observed,
            settings={
                "auth_scheme": settings.scheme,
                "username": settings.username,
                "rest_mode": settings.rest_mode,
                "timeout_s": settings.timeout,
                "sample_seconds": settings.sample_seconds,
                "allow_anonymous": settings.allow_anonymous,
                "markers": self.config.option.markexpr or "",
            },
            profile=bench.profile.summary()
            | {
                "waivers": bench.waivers.status(),
                "deviations": deviations(target, bench.cat),
            },
            run={
                "started": self.started.isoformat(timespec="seconds"),
                "duration_s": round(time.monotonic() - self._t0, 3),
                "http_requests": target.client.requests if target else 0,
                "exit_status": decision.exit_code,
                "scope": _cut(scope, cut),
            },
            versions={"ccrest": __version__, "schema_set": bench.cat.version},
            samples=timeline.rows(
                bench.cat,
                bench.samples,
                (f for r in records if r.family == "temporal" for f in r.findings),
            ),
            decision=decision,
            interface=_interface(bench),
            declaration=bench.declaration.summary() if bench.declaration else None,
        )
        if bench.name:
            summary["device"] = {"name": bench.name}
            if bench.untestable:
                summary["device"]["untestable"] = bench.untestable
        return summary

    def _lab_finish(self, session: pytest.Session, records: list[Record]) -> None:
        """Each controller this process checked gets the reports a plain run writes, in
        reports/<name>/ (the fleet follows: ``pytest_sessionfinish_fleet``)."""
        by_bench: dict[str, list[Record]] = {}
        for record in records:
            by_bench.setdefault(record.bench, []).append(record)
        worker = hasattr(self.config, "workerinput")
        for name, mine in by_bench.items():
            bench = benches(self.config).get(name)
            if bench is None or (not worker and _run_elsewhere(self.config)):
                continue  # the xdist controller process: the workers wrote these
            summary = self._summary(bench, mine, session)
            folder = self.folder / name
            write_json(folder / "conformance.json", summary)
            write_text(folder / "conformance.md", markdown.render(summary))
            write_text(folder / "conformance.html", html.page(summary, mine, bench.cat))
            write_text(folder / "conformance.xml", junit.render(summary, mine))

    @pytest.hookimpl(trylast=True, specname="pytest_sessionfinish")
    def pytest_sessionfinish_fleet(self, session: pytest.Session) -> None:
        """The fleet, from every controller's JSON, by the process that saw the whole run (not
        an xdist worker). Last: after xdist's controller process has waited for its workers,
        whose reports it reads (an interrupted run's workers write theirs as they stop)."""
        if not is_lab(self.config) or hasattr(self.config, "workerinput") or not self.written:
            return
        summaries = fleet.read([self.folder / name for name in benches(self.config)])
        interrupted = state(self.config).halt.interrupted  # a controller never begun says so
        self.fleet = fleet.build(summaries, list(benches(self.config)), interrupted)
        fleet.write(self.folder, self.fleet)
        if self.junit_path is not None:  # --junitxml FILE: every controller's suite in one file
            names = list(benches(self.config))
            write_text(self.junit_path, junit.combine(self.folder, names, interrupted))
        if session.exitstatus not in (pytest.ExitCode.INTERNAL_ERROR,):
            session.exitstatus = self.fleet["exit_code"]

    def _update_html(self) -> None:
        """pytest-html's title, and its environment table emptied: pytest-html's script inserts
        that table's values as HTML, so no device text may go there; ccrest's own escaped
        section shows the controller and run (and the packages, folded)."""
        assert self.summary is not None
        if self._html_report is not None:
            self._html_report.title = html.title(self.summary)
            with contextlib.suppress(AttributeError):
                self._html_report.set_data("environment", {})
        try:
            from pytest_metadata.plugin import metadata_key
        except ImportError:  # pragma: no cover - pytest-html brings pytest-metadata
            return
        metadata = self.config.stash.get(metadata_key, None)
        if metadata is not None:
            self._packages = {k: v for k, v in metadata.items() if isinstance(v, str | dict)}
            metadata.clear()


def _interface(bench: Bench) -> dict[str, Any] | None:
    """What the run saw of the interface (``ccrest.interface``), from the client's history."""
    target = bench.target
    if target is None:
        return None
    client = target.client
    return interface.observe(
        target.first.exchange if target.first else None,
        client.history,
        bench.cat,
        base_url=client.base_url,
        credential_headers=client.headers_for(CONFIGURED),
    )


def _run_elsewhere(config: pytest.Config) -> bool:
    """An xdist controller process: its workers ran the checks and wrote the reports."""
    return bool(getattr(config.option, "numprocesses", None)) and config.pluginmanager.has_plugin(
        "dsession"
    )


def _cut(scope: Scope, cut: str) -> Scope:
    """A run the deadline cut short did not judge the device as a whole."""
    if not cut:
        return scope
    selection = "; ".join(p for p in (scope["selection"], cut) if p)
    return scope | {"complete": False, "selection": selection}
