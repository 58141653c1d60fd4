"""What the HTML pages and pictures are made of, from hand-made samples and summaries: the
chart marks the samples that failed, a renamed key is named, the diff marks faults new, fixed
or still failing, and a device's markup never becomes the page's."""

from __future__ import annotations

from html.parser import HTMLParser

from ccrest.checks import temporal
from ccrest.checks.common import fail
from ccrest.checks.temporal import Sample
from ccrest.exchange import Exchange
from ccrest.report import chart, diff, html, timeline
from ccrest.report.summary import Record, renamed
from ccrest.spec import Catalogue
from tests.report.test_summary import rec, summarise


def sample(at: float, meter: int, power: int = 11000, timer: int | None = None) -> Sample:
    values = {
        "conn_state": "vehicle_charging_type2",
        "auth_state": "authorized_for_charging",
        "meter_wh": str(meter),
        "power_w": str(power),
        "time_since_charging_start": str(100 + int(at) if timer is None else timer),
    }
    return Sample(at, 0.005, values)


def test_the_samples_keep_what_failed_where(cat: Catalogue) -> None:
    samples = [sample(t, 426416 + 3 * t - (20 if t >= 2 else 0)) for t in range(4)]
    findings = temporal.counter_never_decreases("meter_wh", samples, session=False)
    rows = timeline.rows(cat, samples, findings)["rows"]
    assert [r.get("failed", []) for r in rows] == [[], [], ["temp.counter-monotonic"], []]
    assert rows[0]["t"] == 0 and "band" not in rows[0]
    lows, highs = zip(*(r["band"] for r in rows[1:]), strict=True)
    assert list(lows) == sorted(lows) and list(highs) == sorted(highs), "the band widens"
    assert rows[3]["band"][0] <= 426416 + 9 <= rows[3]["band"][1], "11 kW for 3 s fits"


def test_a_value_no_chart_can_draw_is_left_out(cat: Catalogue) -> None:
    s = Sample(0.0, 0.005, {"meter_wh": "nan", "power_w": "1e999"})
    (row,) = timeline.rows(cat, [s], [])["rows"]
    assert row["meter_wh"] is None and row["power_w"] is None
    assert timeline.rows(cat, [], []) is None


def test_the_chart_marks_each_failed_sample(cat: Catalogue) -> None:
    samples = [sample(t, 426416 - 5 * t) for t in range(5)]
    findings = temporal.counter_never_decreases("meter_wh", samples, session=False)
    meter, timer = chart.panels(timeline.rows(cat, samples, findings))
    assert len(meter.failed) == 4 and meter.band, "four readings went down"
    assert all("temp.counter-monotonic" in p.label for p in meter.failed)
    assert timer.expected and not timer.failed, "the meter's fault is not the timer's"
    for p in meter.points:
        assert chart.LEFT <= p.x <= chart.WIDTH - chart.RIGHT
        assert chart.TOP <= p.y <= chart.HEIGHT - chart.BOTTOM
    stands = [sample(t, 426416 + 3 * t, timer=100) for t in range(5)]
    _, timer = chart.panels(timeline.rows(cat, stands, temporal.timer_advances(stands)))
    assert [p.label.split(":")[0] for p in timer.failed] == ["t=4.0 s"]


def test_no_chart_without_two_readings(cat: Catalogue) -> None:
    assert chart.panels(None) == []
    assert chart.panels(timeline.rows(cat, [sample(0, 1)], [])) == []


def test_a_renamed_key_is_named(cat: Catalogue) -> None:
    keys = {"rcmb_max": {"verdict": "missing"}, "power_w": {"verdict": "pass"}}
    observed = {"rcmb_max_values": "0.0, 0.0", "rcmb_maximum_text": "high", "power_w": "0"}
    assert renamed(cat, keys, observed) == {"rcmb_max": "rcmb_max_values"}
    assert renamed(cat, keys, {"rcmb_maximum": "high"}) == {}, "not the same kind of value"
    assert renamed(cat, keys, {"debug_level": "0.0, 0.0"}) == {}, "not a similar name"


class Tags(HTMLParser):
    """The elements a page has, by tag: what a browser would build from it."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append(tag)


def tags(page: str) -> list[str]:
    parser = Tags()
    parser.feed(page)
    return parser.tags


HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)>"


def test_a_device_value_is_text_on_every_page(cat: Catalogue) -> None:
    bad = fail("fs.value-valid", f"conn_state = {HOSTILE!r}", key="conn_state", observed=HOSTILE)
    records = [rec("valid[conn_state]", ("fs.value-valid",), ("conn_state",), "failed", [bad])]
    summary = summarise(records, cat)
    summary["undocumented_keys"] = {HOSTILE: HOSTILE}
    summary["target"]["cp_model"] = HOSTILE
    pages = [
        html.matrix(summary, {"Plugins": HOSTILE}),
        html.details(("fs.value-valid",), [bad], cat),
        diff.render_html(diff.compare(summarise([], cat), summary)),
    ]
    for page in pages:
        assert "script" not in tags(page) and "img" not in tags(page)
        assert "&lt;script&gt;" in page


def test_the_offending_line_is_marked(cat: Catalogue) -> None:
    ex = Exchange(
        "GET",
        "http://127.0.0.1:1/rest/full_state",
        {"Password": "***"},
        status=200,
        body=b"conn_state:charging\nmeter_wh:1\n",
    )
    bad = fail("fs.value-valid", "x", key="conn_state", exchange=ex)
    page = html.details(("fs.value-valid",), [bad], cat)
    assert "<mark>conn_state:charging</mark>\nmeter_wh:1\n" in page
    assert "Key name / Key values or example" in page, "the failed check's passage"


def test_the_details_name_the_passage_of_the_check_that_failed(cat: Catalogue) -> None:
    """A states test declares its two checks but may fail fs.value-valid."""
    bad = fail("fs.value-valid", "conn_state = 'charging'", key="conn_state")
    page = html.details(("states.scenario-conforms", "states.scenario-reached"), [bad], cat)
    assert cat.check("fs.value-valid").passage.replace("'", "&#39;") in page
    assert "states.scenario-reached" in page, "the declared checks that found nothing"


def test_the_matrix_has_a_row_for_faults_of_no_key(cat: Catalogue) -> None:
    bad = fail("http.content-type", "wrong", observed="application/json")
    records = [rec("content_type", ("http.content-type",), (), "failed", [bad])]
    page = html.matrix(summarise(records, cat))
    assert 'data-key="(no key)"' in page and 'href="#fault-1"' in page


def _diff_summary(cat: Catalogue, *findings) -> dict:
    return summarise(
        [
            Record(f"t::{i}", f"{i}", "x", (f.check_id,), (), "failed", "", 0.0, [f])
            for i, f in enumerate(findings)
        ],
        cat,
    )


def test_the_diff_marks_faults_new_fixed_and_still_failing(cat: Catalogue) -> None:
    a = fail("fs.value-valid", "a", key="conn_state", observed="charging")
    b = fail("http.content-type", "b", observed="application/json")
    c = fail("fs.key-present", "c", key="wlan_state")
    old, new = _diff_summary(cat, a, b), _diff_summary(cat, b, c)
    rows = {(r["check"], r["status"]) for r in diff.faults(old, new)}
    assert rows == {
        ("fs.key-present", "new"),
        ("http.content-type", "still failing"),
        ("fs.value-valid", "fixed"),
    }
    del old["faults"]  # a report from before the fault list: folded from its tests
    assert {(r["check"], r["status"]) for r in diff.faults(old, new)} == rows
    page = diff.render_html(diff.compare(old, new))
    assert page.count('data-status="new"') == 1 and page.count('data-status="fixed"') == 1
    assert "FAULTS (3)" in diff.render_text(diff.compare(old, new))
