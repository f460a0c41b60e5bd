"""The "Download briefing" button (explorer.app.widgets.download) and the dashboard's briefing file."""

from __future__ import annotations

import hashlib
import json
import re

import explorer
from explorer.app.dashboard import Dashboard
from explorer.app.page_guard import page_settable
from explorer.app.widgets import FileDownload
from tests.conftest import SEED
from tests.page_messages import page_sends


class Sent(list):
    def __call__(self, content, buffers=None):
        self.append((content, buffers))


def recording(widget: FileDownload) -> Sent:
    sent = Sent()
    widget.send = sent
    return sent


def test_a_click_makes_the_file_and_sends_it_with_a_safe_name():
    made = []
    button = FileDownload(lambda: (made.append(1) or "../brief <x>.html", b"<p>file</p>"), min_interval=0)
    sent = recording(button)
    page_sends(button, {"event": "make"})
    assert made == [1] and sent == [({"event": "file", "name": "brief-x-.html"}, [b"<p>file</p>"])]
    assert "Sent to your browser as brief-x-.html" in button.status and not button.busy


def test_asking_again_and_again_makes_one_file_per_interval():
    made = []
    button = FileDownload(lambda: (made.append(1) or "b.html", b"x"), min_interval=60)
    sent = recording(button)
    for _ in range(50):
        page_sends(button, {"event": "make"})
    assert len(made) == 1 and len(sent) == 1
    for other in ({"event": "other"}, {"event": None}, {}, {"event": ["make"]}):
        page_sends(button, other)
    assert len(made) == 1


def test_a_failure_says_so_and_sends_nothing():
    def broken():
        raise RuntimeError("boom")

    button = FileDownload(broken, min_interval=0)
    sent = recording(button)
    assert button.make() is None
    assert sent == [] and "could not be made (RuntimeError)" in button.status and not button.busy


def test_a_page_may_set_none_of_its_traits():
    assert page_settable(FileDownload()) == frozenset()


def test_the_dashboards_briefing_is_the_state_on_screen():
    dashboard = Dashboard()
    dashboard.set_concession("russia-line-freeze", True)
    dashboard.outcome_picker.value = "kalai_smorodinsky"
    name, content = dashboard.briefing_file()
    text = content.decode("utf-8")
    assert name == "briefing-russia_ukraine_talks.html"
    assert hashlib.sha256(SEED.read_bytes()).hexdigest() in text
    assert "--concede russia-line-freeze" in text and "--model bdm --outcome kalai_smorodinsky" in text
    data = json.loads(re.search(r'id="briefing-data">(.*?)</script>', text, re.S).group(1))
    made = next(s for s in data["states"] if s["key"] == data["initial"])
    assert data["initial"] == "made" and made["active"] == ["russia-line-freeze"]
    gap = explorer.analyze(explorer.load(SEED).with_concessions(["russia-line-freeze"])).agreement_gap
    assert f'<div class="kf-value">{gap:.1f} points</div>' in made["html"]["key_figures"]
    assert dashboard.briefing_file() is dashboard.briefing_file()  # made once for what is on screen


def test_a_viewers_own_file_is_briefed_with_the_digest_of_the_bytes_it_sent():
    dashboard = Dashboard()
    dashboard.open_upload("mine.yaml", SEED.read_bytes() + b"\n# mine\n")
    name, content = dashboard.briefing_file()
    assert name == "briefing-mine.html"
    assert hashlib.sha256(SEED.read_bytes() + b"\n# mine\n").hexdigest().encode() in content


def test_a_deferred_click_waits_for_its_turn_and_a_second_click_meanwhile_does_nothing():
    queued, made = [], []
    button = FileDownload(lambda: (made.append(1) or "b.html", b"x"), min_interval=0, defer=queued.append)
    sent = recording(button)
    page_sends(button, {"event": "make"})
    page_sends(button, {"event": "make"})
    assert len(queued) == 1 and button.busy and made == [] and "Waiting" in button.status
    queued[0]()
    assert made == [1] and len(sent) == 1 and not button.busy
