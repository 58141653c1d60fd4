"""The pytest side of the reports: gather every test's record, feed pytest-html, write files.

Registered by ``ccrest.plugin`` for conformance runs; it reads the run's state from
``ccrest.run`` and never imports the plugin. It writes ``conformance.json`` and
``conformance.md`` itself; pytest-html writes ``conformance.html`` (with the matrix, the
environment and the details added here) and pytest's junitxml ``conformance.xml``. The reports
are written whatever happens, including a run that found the device untestable.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import time
from pathlib import Path

import pytest

from ccrest import __version__
from ccrest.findings import Finding
from ccrest.report import fleet, html, junit, markdown, timeline
from ccrest.report.summary import Record, build, where
from ccrest.run import (
    DRIVEN_BY,
    EXIT_UNTESTABLE,
    SCOPE,
    Bench,
    bench_of,
    benches,
    deadline_cut,
    describe,
    deviations,
    is_lab,
    only,
    run_scope,
)


class ReportCollector:
    def __init__(self, config: pytest.Config, json_path: Path, md_path: Path) -> None:
        self.config = config
        self.json_path, self.md_path = json_path, md_path
        self.records: dict[str, Record] = {}
        self.started = datetime.datetime.now(datetime.UTC)
        self._t0 = time.monotonic()
        self.summary: dict | None = None
        self._html_report = None
        self._packages: dict = {}
        self.lab_dir = json_path.parent  # a lab run: reports/<name>/ per controller, fleet.*
        self.fleet: dict | None = None

    # -- gathering -------------------------------------------------------------------------
    def record_for(self, item: pytest.Item) -> Record:
        record = self.records.get(item.nodeid)
        if record is None:
            family, checks, keys = describe(item)
            record = Record(item.nodeid, item.name, family, checks, keys, bench=bench_of(item))
            self.records[item.nodeid] = record
        return record

    def attach(self, item: pytest.Item, report: pytest.TestReport, findings: list[Finding]):
        """Called by the plugin's makereport wrapper for every phase of every test."""
        record = self.record_for(item)
        record.findings = findings
        record.driver = item.stash.get(DRIVEN_BY, "")
        if report.when == "setup" and record.checks:  # junitxml reads them at teardown
            item.user_properties.append(("ccrest.checks", ", ".join(record.checks)))
        if is_lab(self.config):
            return  # no pytest-html page to feed; an xdist worker sends reports as JSON
        report.ccrest_checks = record.checks  # type: ignore[attr-defined]
        report.ccrest_findings = findings  # type: ignore[attr-defined]

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        record = self.records.get(report.nodeid)
        if record is None:
            return
        record.duration_s += report.duration
        if report.when == "call" or (report.when == "setup" and not report.passed):
            if hasattr(report, "wasxfail"):
                record.outcome = "xfailed" if report.skipped else "xpassed"
                record.message = report.wasxfail
            elif report.skipped:
                record.outcome = "skipped"
                record.message = _skip_reason(report)
            elif report.failed:
                record.outcome = "failed" if report.when == "call" else "error"
                record.message = report.longreprtext
            else:
                record.outcome = "passed"
        elif report.when == "teardown" and report.failed:
            record.outcome, record.message = "error", report.longreprtext

    # -- pytest-html -----------------------------------------------------------------------
    def pytest_html_report_title(self, report) -> None:
        self._html_report = report
        report.title = "ccrest conformance report"

    def pytest_html_results_table_header(self, cells: list[str]) -> None:
        cells.insert(2, '<th class="sortable" data-column-type="checks">Checks</th>')

    def pytest_html_results_table_row(self, report, cells: list[str]) -> None:
        cells.insert(2, html.checks_cell(getattr(report, "ccrest_checks", ())))

    def pytest_html_results_table_html(self, report, data: list[str]) -> None:
        checks = getattr(report, "ccrest_checks", ())
        if checks and report.when in ("call", "setup"):
            cat = only(self.config).cat
            data.append(html.details(checks, getattr(report, "ccrest_findings", []), cat))

    def pytest_html_results_summary(self, prefix: list[str], summary, postfix, session) -> None:
        if self.summary is not None:
            prefix.append(html.matrix(self.summary, self._packages))

    # -- writing ---------------------------------------------------------------------------
    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if is_lab(self.config):
            self._lab_finish(session, exitstatus)
            return
        self.summary = self._summary(only(self.config), self.records.values(), session, exitstatus)
        self._update_html()
        self._update_junit()
        summary_md = markdown.render(self.summary)
        _write(self.json_path, self.summary)
        _write_text(self.md_path, summary_md)
        step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if step_summary:  # a GitHub Actions job shows it on the run's page
            with contextlib.suppress(OSError), open(step_summary, "a", encoding="utf-8") as out:
                out.write(summary_md + "\n")

    def _summary(self, bench: Bench, records, session: pytest.Session, exitstatus: int) -> dict:
        records = list(records)
        settings, target = bench.settings, bench.target
        cut = deadline_cut(self.config)
        observed = target.first.values if target is not None and target.first else {}
        scope = self.config.stash.get(SCOPE, None) or run_scope(session)
        if bench.name:  # a lab's controller: its own tests, not the whole run's
            scope = scope | {"tests": len(records)}
        status: object = int(exitstatus)
        if exitstatus == EXIT_UNTESTABLE or bench.untestable:
            status = "not-testable"
        elif bench.name:
            status = int(any(r.outcome in ("failed", "error") for r in records))
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
                "exit_status": status,
                "scope": _cut(scope, cut),
            },
            versions={"ccrest": __version__, "schema_set": bench.cat.version},
            samples=timeline.rows(
                bench.cat,
                bench.samples,
                (f for r in records if r.family == "temporal" for f in r.findings),
            ),
        )
        if bench.name:
            summary["device"] = {"name": bench.name}
            if bench.untestable:
                summary["device"]["untestable"] = bench.untestable
        return summary

    def _lab_finish(self, session: pytest.Session, exitstatus: int) -> None:
        """Each controller this process checked gets the reports a plain run writes, in
        reports/<name>/; the process that saw the whole run (not an xdist worker) then writes
        the fleet summary from every controller's JSON, and the worst controller's exit code."""
        by_bench: dict[str, list[Record]] = {}
        for record in self.records.values():
            by_bench.setdefault(record.bench, []).append(record)
        for name, records in by_bench.items():
            bench = benches(self.config)[name]
            summary = self._summary(bench, records, session, exitstatus)
            folder = self.lab_dir / name
            _write(folder / "conformance.json", summary)
            _write_text(folder / "conformance.md", markdown.render(summary))
            _write_text(folder / "conformance.html", html.page(summary, records, bench.cat))
            _write_text(folder / "conformance.xml", junit.render(summary, records))
        if hasattr(self.config, "workerinput"):
            return  # xdist's controller process writes the fleet, once every worker is done
        summaries = fleet.read([self.lab_dir / name for name in benches(self.config)])
        self.fleet = fleet.build(summaries, expected=list(benches(self.config)))
        fleet.write(self.lab_dir, self.fleet)
        if session.exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
            session.exitstatus = self.fleet["exit_code"]

    def _update_junit(self) -> None:
        """The verdict, the scope and each advisory by check and key as properties of the JUnit
        test suite (xunit2 allows them there), so a CI system shows them beside the tests."""
        from _pytest.junitxml import xml_key

        xml = self.config.stash.get(xml_key, None)
        if xml is None or self.summary is None:
            return
        target = self.summary["target"]
        identity = " ".join(
            str(target[k]) for k in ("cp_vendor", "cp_model", "firmware_ver") if k in target
        )
        xml.suite_name = f"ccrest: {identity or where(target)}"
        xml.add_global_property("ccrest.verdict", self.summary["verdict"])
        for key in ("firmware_ver", "cp_model", "cc_serial_n"):
            if key in target:
                xml.add_global_property(f"ccrest.{key}", target[key])
        xml.add_global_property("ccrest.profile", self.summary["profile"]["name"])
        scope = self.summary["run"].get("scope") or {}
        if scope.get("selection"):
            xml.add_global_property("ccrest.scope", scope["selection"])
        xml.add_global_property("ccrest.faults", self.summary["counts"]["faults"])
        for group in self.summary["advisories"]:
            about = f"[{group['key']}]" if group.get("key") else ""
            xml.add_global_property(
                f"ccrest.advisory.{group['check']}{about}",
                f"{group['message']} ({group['count']} tests)",
            )

    def _update_html(self) -> None:
        assert self.summary is not None
        if self._html_report is not None:
            self._html_report.title = html.title(self.summary)
        try:
            from pytest_metadata.plugin import metadata_key
        except ImportError:  # pragma: no cover - pytest-html brings pytest-metadata
            return
        metadata = self.config.stash.get(metadata_key, None)
        if metadata is not None:  # the same dict pytest-html renders: update it in place
            ours = html.environment(self.summary)
            rest = {k: v for k, v in metadata.items() if k not in ours}
            self._packages = rest  # shown folded, at the end of the summary
            metadata.clear()
            metadata.update(ours | rest)


def _write(path: Path, data: dict) -> None:
    _write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _cut(scope: dict, cut: str) -> dict:
    """A run the deadline cut short did not judge the device as a whole."""
    if not cut:
        return scope
    selection = "; ".join(p for p in (scope["selection"], cut) if p)
    return scope | {"complete": False, "selection": selection}


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)
