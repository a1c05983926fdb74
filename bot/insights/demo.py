"""Demo data for the insights page: replayed conversations, and their removal.

Scripted conversations (data/demo/conversations.yml) are sent through the RUNNING
assistant, as people would send them: the REST webhook, or the widget's socket.io channel.
So every figure on the insights page comes from real tracker events and real survey rows,
made by the same model and actions as live traffic. Then each conversation is moved back
in time by its script's `days_ago` (its tracker events, its summary and its survey row), so
the charts show a spread of days.

Everything a demo leaves behind is recognisable (conversation ids start with DEMO_PREFIX,
product rows are flagged is_demo), so it can be removed without touching real data.

    python -m bot.insights.demo                  # replay (make demo-data); again: another set
    python -m bot.insights.demo --script FILE    # replay other scripts
    python -m bot.insights.demo --delete         # remove every demo row (make demo-data DELETE=1)
"""

from __future__ import annotations

import argparse
import json
import logging
import queue
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

import requests
import yaml
from pydantic import BaseModel, Field, ValidationError, conint, root_validator
from sqlalchemy import bindparam, delete, func, inspect, select, update

from bot.db import engine_for, session_scope
from bot.insights.models import DEMO_PREFIX, ConversationSummary, SurveyResponse
from bot.insights.summaries import ensure_tables, refresh_summaries, summarize
from bot.insights.survey import load_survey
from bot.insights.tracker_source import (
    EVENTS,
    REDIS_KEY_PREFIX,
    Event,
    redis_tracker_client,
)
from bot.settings import REPO_ROOT, Settings, get_settings

log = logging.getLogger(__name__)


def _delete_sql_conversations(url: str) -> int:
    engine = engine_for(url)
    if not inspect(engine).has_table(EVENTS.name):
        return 0
    demo = EVENTS.c.sender_id.startswith(DEMO_PREFIX, autoescape=True)
    with engine.begin() as conn:
        senders = conn.scalar(select(func.count(func.distinct(EVENTS.c.sender_id))).where(demo))
        conn.execute(delete(EVENTS).where(demo))
    return senders or 0


def _delete_redis_conversations(settings: Settings) -> int:
    client = redis_tracker_client(settings)
    deleted = 0
    keys: list[bytes] = []
    for key in client.scan_iter(match=f"{REDIS_KEY_PREFIX}{DEMO_PREFIX}*", count=500):
        keys.append(key)
        if len(keys) >= 500:
            deleted += client.delete(*keys)
            keys = []
    if keys:
        deleted += client.delete(*keys)
    return deleted


def delete_demo_data(settings: Settings | None = None) -> dict[str, int]:
    """Removes every demo row and conversation; returns how many of each went."""
    settings = settings or get_settings()
    url = settings.product_database_url
    ensure_tables(url)
    with session_scope(url) as session:
        responses = session.execute(
            delete(SurveyResponse).where(SurveyResponse.is_demo.is_(True)),
            execution_options={"synchronize_session": False},
        )
        summaries = session.execute(
            delete(ConversationSummary).where(ConversationSummary.is_demo.is_(True)),
            execution_options={"synchronize_session": False},
        )
    if settings.redis_url:
        conversations = _delete_redis_conversations(settings)
    else:
        conversations = _delete_sql_conversations(settings.tracker_database_url)
    counts = {
        "survey_responses": responses.rowcount,
        "conversation_summaries": summaries.rowcount,
        "conversations": conversations,
    }
    log.info("insights demo data deleted: %s", counts)
    return counts


# Replay: the scripts, through the running assistant, then back in time.

SCRIPT_FILE = REPO_ROOT / "data" / "demo" / "conversations.yml"
WEBHOOK_PATH = "/webhooks/rest/webhook"
HEALTH_PATH = "/webhooks/health/"
EXIT_FAILED, EXIT_UNREACHABLE = 1, 2
START_HINT = "start the assistant first: make run (in another terminal)"
REPLY_TIMEOUT_SECONDS = 60
RETRIES = 5  # per message, when the assistant says "too fast" (429) or "not now" (503)
# Socket.io has no end-of-turn signal: a turn is over after this long without a message.
QUIET_SECONDS = 1.0
DAY_SECONDS = 86400
# A replay types instantly; people take a while to read and answer. Each message is
# moved back by a think time (seconds per message, varied by script) so durations look real.
THINK_SECONDS = (18, 25, 34, 41, 29, 52)
# Payloads of the survey's buttons (bot/domain/survey.yml): intents, not wording.
SURVEY_START, SURVEY_ANSWER, SURVEY_SKIP, END_CHAT = (
    "/survey_start",
    "/survey_answer",
    "/survey_skip",
    "/end_chat",
)

Reply = dict[str, Any]


class Step(BaseModel):
    """One thing the person does: type text, or click a button of the bot's last replies."""

    say: str | None = None
    click: str | None = None  # a button title, as shown (case does not matter)
    expect: str | None = None  # text the bot's replies must then contain (case ignored)

    class Config:
        extra = "forbid"

    @root_validator(skip_on_failure=True)
    def _say_or_click(cls, values: dict) -> dict:
        if (values.get("say") is None) == (values.get("click") is None):
            raise ValueError("a step has exactly one of `say` and `click`")
        return values


class SurveyPlan(BaseModel):
    """How the person treats the A-11 survey at the end of the conversation.

    The survey is taken from the offer's button when the bot just offered it, else by
    ending the chat (which asks it). `answers` are scale points in the order asked;
    fewer answers than questions skip the rest (none: "Skip survey" at the first one).
    Without a `comment`, "No comment". `decline`: "No thanks" on the offer."""

    answers: list[conint(ge=1, le=5)] = Field(default_factory=list)  # type: ignore[valid-type]
    comment: str | None = None
    decline: bool = False

    class Config:
        extra = "forbid"

    @root_validator(skip_on_failure=True)
    def _decline_alone(cls, values: dict) -> dict:
        if values.get("decline") and (values.get("answers") or values.get("comment")):
            raise ValueError("a declined survey has no answers or comment")
        return values


class Script(BaseModel):
    name: str
    days_ago: int = Field(0, ge=0, le=90)
    channel: Literal["rest", "website"] = "rest"
    steps: list[Step] = Field(..., min_items=1)
    survey: SurveyPlan | None = None  # None: the survey is not touched (an ignored offer)
    end_chat: bool = False  # then "End chat", as the widget's button sends it

    class Config:
        extra = "forbid"


class ScriptFile(BaseModel):
    conversations: list[Script] = Field(..., min_items=1)

    class Config:
        extra = "forbid"


def load_scripts(path: Path = SCRIPT_FILE) -> list[Script]:
    return ScriptFile.parse_obj(yaml.safe_load(path.read_text(encoding="utf-8"))).conversations


class Unreachable(RuntimeError):
    """The assistant does not answer at all."""


class ReplayError(RuntimeError):
    """The assistant answered, but not as the script expects."""


def buttons(replies: list[Reply]) -> list[dict[str, str]]:
    """Buttons of bot messages: `buttons` on REST, `quick_replies` on socket.io."""
    return [b for r in replies for b in (r.get("buttons") or r.get("quick_replies") or [])]


def texts(replies: list[Reply]) -> str:
    return " | ".join(r["text"] for r in replies if r.get("text"))


def _wait(reason: object, retry_after: Any) -> None:
    """Waits as the assistant asked: a replay is faster than any person, so it can meet
    the per-address rate limit (CX_RATE_PER_IP); the message was not handled, so it is
    sent again afterwards."""
    try:
        seconds = min(max(float(retry_after), 1.0), 60.0)
    except (TypeError, ValueError):
        seconds = 5.0
    log.warning("demo-data: the assistant answered %s; waiting %.0f s", reason, seconds)
    time.sleep(seconds)


class RestChat:
    """One conversation over the REST webhook: each reply is the whole turn."""

    def __init__(self, base_url: str, sender: str, session: requests.Session) -> None:
        self.url = base_url.rstrip("/") + WEBHOOK_PATH
        self.sender = sender
        self.session = session

    def send(self, message: str) -> list[Reply]:
        body = {"sender": self.sender, "message": message, "metadata": {"language": "en"}}
        for attempt in range(RETRIES + 1):
            try:
                response = self.session.post(self.url, json=body, timeout=REPLY_TIMEOUT_SECONDS)
            except requests.Timeout as error:
                raise ReplayError(f"no reply within {REPLY_TIMEOUT_SECONDS} s") from error
            except requests.ConnectionError as error:
                raise Unreachable(f"{self.url}: {error}") from error
            if response.status_code in (429, 503) and attempt < RETRIES:
                _wait(response.status_code, response.headers.get("Retry-After"))
                continue
            if response.status_code != 200:
                raise ReplayError(
                    f"the webhook answered {response.status_code}: {response.text[:300]}"
                )
            return response.json()
        raise AssertionError("unreachable")

    def late(self, quiet: float = 0) -> list[Reply]:
        return []  # a REST reply is always the whole turn

    def close(self) -> None:
        pass


class WebsiteChat:
    """One conversation over the widget's socket.io channel (connectors/website.py)."""

    def __init__(self, base_url: str, sender: str) -> None:
        import socketio  # Rasa's own dependency; only this channel needs the client

        self.sender = sender
        self.events: queue.Queue[tuple[str, Any]] = queue.Queue()
        # Quiet: closing without waiting for the pending poll makes engine.io log an error.
        quiet = logging.getLogger(f"{__name__}.socketio")
        quiet.setLevel(logging.CRITICAL)
        self.sio = socketio.Client(reconnection=False, logger=quiet, engineio_logger=quiet)
        for name in ("session_confirm", "bot_uttered", "cx_error"):
            self.sio.on(name, lambda data, name=name: self.events.put((name, data)))
        try:  # long polling: no extra package, as the widget's fallback transport
            self.sio.connect(
                base_url.rstrip("/"),
                socketio_path="/socket.io",
                transports=["polling"],
                wait_timeout=10,
            )
        except socketio.exceptions.ConnectionError as error:
            raise Unreachable(f"{base_url} (socket.io): {error}") from error
        self.sio.emit("session_request", {"session_id": sender})
        if self._next(10) != ("session_confirm", sender):
            raise ReplayError("the website channel did not confirm the conversation id")

    def _next(self, timeout: float) -> tuple[str, Any] | None:
        try:
            return self.events.get(timeout=timeout)
        except queue.Empty:
            return None

    def send(self, message: str) -> list[Reply]:
        body = {"message": message, "session_id": self.sender, "metadata": {"language": "en"}}
        for attempt in range(RETRIES + 1):
            self.sio.emit("user_uttered", body)
            deadline = time.monotonic() + REPLY_TIMEOUT_SECONDS
            while (first := self._next(max(deadline - time.monotonic(), 0))) is not None:
                if first[0] in ("bot_uttered", "cx_error"):
                    break
            if first is None:
                raise ReplayError(f"no reply within {REPLY_TIMEOUT_SECONDS} s")
            name, data = first
            if name == "cx_error":
                reason = data.get("reason") if isinstance(data, dict) else None
                if reason in ("rate_limited", "unavailable") and attempt < RETRIES:
                    _wait(reason, data.get("retry_after"))
                    continue
                raise ReplayError(f"the website channel refused the message: {data}")
            return [data, *self.late()]
        raise AssertionError("unreachable")

    def late(self, quiet: float = QUIET_SECONDS) -> list[Reply]:
        """What else the bot says before it is quiet for `quiet` seconds."""
        replies = []
        while (event := self._next(quiet)) is not None:
            if event[0] == "bot_uttered":
                replies.append(event[1])
        return replies

    def close(self) -> None:
        # Not sio.disconnect(): over long polling it waits for the pending poll to return,
        # up to the server's ping interval (25 s). The engine.io close packet is enough.
        self.sio.eio.disconnect(abort=True)


Chat = RestChat | WebsiteChat


class Conversation:
    """A chat and the bot's latest replies, which the next click chooses from."""

    def __init__(self, chat: Chat) -> None:
        self.chat = chat
        self.replies: list[Reply] = []

    def say(self, message: str) -> list[Reply]:
        self.replies = self.chat.send(message)
        return self.replies

    def button(
        self, wanted: Callable[[dict[str, str]], bool], patient: bool = False
    ) -> dict[str, str] | None:
        """The first button `wanted` picks; `patient`: also wait a little for late replies."""
        found = next((b for b in buttons(self.replies) if wanted(b)), None)
        if found is None and patient and (more := self.chat.late(quiet=5 * QUIET_SECONDS)):
            self.replies += more  # a slow action finished after the quiet spell
            found = next((b for b in buttons(self.replies) if wanted(b)), None)
        return found

    def click(self, wanted: Callable[[dict[str, str]], bool], what: str) -> list[Reply]:
        found = self.button(wanted, patient=True)
        if found is None:
            titles = [b.get("title") for b in buttons(self.replies)]
            raise ReplayError(
                f"no {what} among the bot's last buttons {titles}; it said: {texts(self.replies)}"
            )
        return self.say(found["payload"])

    def click_title(self, title: str) -> list[Reply]:
        wanted = title.casefold()
        return self.click(lambda b: str(b.get("title", "")).casefold() == wanted, repr(title))

    def click_payload(self, prefix: str) -> list[Reply]:
        return self.click(
            lambda b: str(b.get("payload", "")).startswith(prefix), f"button sending {prefix}"
        )


def take_survey(conversation: Conversation, plan: SurveyPlan, scale: dict[int, str]) -> None:
    offer = conversation.button(lambda b: str(b.get("payload", "")).startswith(SURVEY_START))
    if plan.decline:
        if offer is None:
            raise ReplayError(
                f"no survey offer to decline; the bot said: {texts(conversation.replies)}"
            )
        conversation.click_payload(SURVEY_SKIP)
        return
    conversation.say(offer["payload"] if offer else END_CHAT)  # End chat asks it if not offered
    for point in plan.answers:
        conversation.click_title(scale[point])
    if conversation.button(lambda b: str(b.get("payload", "")).startswith(SURVEY_ANSWER)):
        conversation.click_payload(SURVEY_SKIP)  # fewer answers than questions: "Skip survey"
    elif plan.comment:
        conversation.say(plan.comment)
    else:
        conversation.click_payload(SURVEY_SKIP)  # "No comment"


@dataclass
class Replayed:
    script: Script
    sender: str
    think_seconds: int
    error: str | None = None


def replay_script(
    script: Script, base_url: str, session: requests.Session, think_seconds: int
) -> Replayed:
    """Sends one script; a script the bot does not follow is reported, not raised
    (Unreachable is raised: nothing else can work then)."""
    sender = f"{DEMO_PREFIX}{uuid.uuid4().hex}"
    result = Replayed(script, sender, think_seconds)
    chat: Chat | None = None
    where = "start"
    try:
        chat = (
            WebsiteChat(base_url, sender)
            if script.channel == "website"
            else RestChat(base_url, sender, session)
        )
        conversation = Conversation(chat)
        for number, step in enumerate(script.steps, 1):
            where = f"step {number}"
            if step.click is not None:
                conversation.click_title(step.click)
            else:
                conversation.say(step.say or "")
            if step.expect and step.expect.casefold() not in texts(conversation.replies).casefold():
                raise ReplayError(
                    f"expected {step.expect!r}; the bot said: {texts(conversation.replies)}"
                )
        if script.survey is not None:
            where = "survey"
            take_survey(conversation, script.survey, load_survey().scale)
        if script.end_chat:
            where = "end chat"
            conversation.say(END_CHAT)
    except ReplayError as error:
        result.error = f"{where}: {error}"
    finally:
        if chat is not None:
            chat.close()
    return result


def check_reachable(base_url: str) -> None:
    url = base_url.rstrip("/") + HEALTH_PATH
    try:
        response = requests.get(url, timeout=5)
    except requests.RequestException as error:
        raise Unreachable(f"no answer from {url} ({type(error).__name__})") from error
    if response.status_code != 200:
        raise Unreachable(f"{url} answered {response.status_code}: the assistant is not ready")


# Moving conversations back in time. The tracker events move too, not only the product
# rows: summaries are recomputed from events by every refresh, and a refresh must find
# the same days the charts show. Only conversations under DEMO_PREFIX are ever touched.


def _moved(events: list[Event], seconds: float, think: int) -> list[Event]:
    """Each event `seconds` earlier, plus a think time per message the person sent after
    it, so the conversation ends where it would and starts earlier."""
    remaining = sum(1 for e in events if e.get("event") == "user")
    for event in events:
        if event.get("event") == "user":
            remaining -= 1
        stamp = event.get("timestamp")
        if isinstance(stamp, int | float):
            event["timestamp"] = stamp - seconds - remaining * think
    return events


def _move_sql(url: str, moves: dict[str, tuple[float, int]]) -> dict[str, list[Event]]:
    engine = engine_for(url)
    if not inspect(engine).has_table(EVENTS.name):
        return {}
    statement = (
        update(EVENTS)
        .where(EVENTS.c.id == bindparam("row_id"))
        .values(timestamp=bindparam("stamp"), data=bindparam("body"))
    )
    moved: dict[str, list[Event]] = {}
    with engine.begin() as conn:
        for sender, (seconds, think) in moves.items():
            rows = conn.execute(
                select(EVENTS.c.id, EVENTS.c.data)
                .where(EVENTS.c.sender_id == sender)
                .order_by(EVENTS.c.id)
            ).all()
            parsed = [(row_id, _parse(data)) for row_id, data in rows]
            kept = [(row_id, event) for row_id, event in parsed if event is not None]
            if not kept:
                continue
            events = _moved([event for _, event in kept], seconds, think)
            conn.execute(
                statement,
                [
                    {"row_id": row_id, "stamp": event.get("timestamp"), "body": json.dumps(event)}
                    for (row_id, _), event in zip(kept, events, strict=True)
                ],
            )
            moved[sender] = events
    return moved


def _parse(data: str | None) -> Event | None:
    try:
        event = json.loads(data or "")
    except ValueError:
        return None
    return event if isinstance(event, dict) else None


def _move_redis(settings: Settings, moves: dict[str, tuple[float, int]]) -> dict[str, list[Event]]:
    client = redis_tracker_client(settings)
    moved: dict[str, list[Event]] = {}
    for sender, (seconds, think) in moves.items():
        key = f"{REDIS_KEY_PREFIX}{sender}"
        raw = client.get(key)
        document = json.loads(raw) if raw else None
        if not isinstance(document, dict):
            continue
        events = [e for e in document.get("events") or [] if isinstance(e, dict)]
        document["events"] = _moved(events, seconds, think)
        client.set(key, json.dumps(document), keepttl=True)  # the store's expiry stays
        moved[sender] = events
    return moved


@dataclass
class Settled:
    summaries: int
    survey_responses: int
    missing: list[str]  # replayed, but not in the tracker store this process reads


def settle(replayed: list[Replayed], settings: Settings) -> Settled:
    """Moves the replayed conversations back by their `days_ago` and writes their
    summaries; their survey rows move by the same days.

    The incremental refresh first: the demo summaries of today move the refresh watermark
    to now, and a real conversation not summarized by then would never be (until --full)."""
    refresh_summaries(settings)
    moves = {
        r.sender: (r.script.days_ago * DAY_SECONDS, r.think_seconds)
        for r in replayed
        if r.sender.startswith(DEMO_PREFIX)
    }
    if settings.redis_url:
        moved = _move_redis(settings, moves)
    else:
        moved = _move_sql(settings.tracker_database_url, moves)
    summaries = [s for sender, events in moved.items() if (s := summarize(sender, events))]
    url = settings.product_database_url
    ensure_tables(url)
    with session_scope(url) as session:
        # That refresh, or another during the replay, summarized some at today's date.
        session.execute(
            delete(ConversationSummary).where(
                ConversationSummary.conversation_id.in_(list(moved)),
                ConversationSummary.is_demo.is_(True),
            ),
            execution_options={"synchronize_session": False},
        )
        session.add_all(summaries)
        responses = session.scalars(
            select(SurveyResponse).where(
                SurveyResponse.conversation_id.in_(list(moves)),
                SurveyResponse.is_demo.is_(True),
            )
        ).all()
        for response in responses:  # in Python: SQLite cannot subtract an interval
            response.created_at -= timedelta(seconds=moves[response.conversation_id][0])
    return Settled(len(summaries), len(responses), [s for s in moves if s not in moved])


def replay(
    scripts: list[Script],
    settings: Settings | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> list[Replayed]:
    """Replays every script through the running assistant (in order, one at a time).
    Raises Unreachable when the assistant does not answer."""
    settings = settings or get_settings()
    replayed = []
    with requests.Session() as session:
        for index, script in enumerate(scripts):
            think = THINK_SECONDS[index % len(THINK_SECONDS)]
            started = time.monotonic()
            result = replay_script(script, settings.rasa_url, session, think)
            outcome = "FAILED" if result.error else "ok"
            took = time.monotonic() - started
            progress(f"{outcome:>6} {took:5.1f} s  {script.channel:<7}  {script.name}")
            replayed.append(result)
    return replayed


def run_replay(script_path: Path) -> int:
    """The command: replay, settle, say what happened; returns the exit code."""
    settings = get_settings()
    try:
        scripts = load_scripts(script_path)
    except (OSError, yaml.YAMLError, ValidationError) as error:
        print(f"demo-data: cannot read {script_path}: {error}", file=sys.stderr)
        return EXIT_FAILED
    started = time.monotonic()
    try:
        check_reachable(settings.rasa_url)
        print(f"demo-data: replaying {len(scripts)} conversations through {settings.rasa_url}")
        replayed = replay(scripts, settings, progress=lambda line: print(line, flush=True))
    except Unreachable as error:
        print(
            f"demo-data: the assistant is not reachable at {settings.rasa_url} ({error}).\n"
            f"{START_HINT}; set RASA_SERVER_URL if it runs elsewhere.",
            file=sys.stderr,
        )
        return EXIT_UNREACHABLE
    settled = settle(replayed, settings)
    seconds = time.monotonic() - started
    days = sorted({r.script.days_ago for r in replayed})
    print(
        f"replayed {len(replayed)} demo conversations in {seconds:.0f} s (marked {DEMO_PREFIX}, "
        "delete with `make demo-data DELETE=1` / `python -m bot.insights.demo --delete`)\n"
        f"  {settled.summaries} conversation summaries and {settled.survey_responses} survey "
        f"responses, dated {days[0]} to {days[-1]} days ago\n"
        "  running it again adds another set"
    )
    code = 0
    if settled.missing:
        store = "Redis" if settings.redis_url else "the SQL tracker store"
        print(
            f"demo-data: {len(settled.missing)} replayed conversations are not in {store} "
            "this command reads: run it with the same DATABASE_URL, REDIS_URL and CX_VAR_DIR "
            "as the assistant.",
            file=sys.stderr,
        )
        code = EXIT_FAILED
    for result in replayed:
        if result.error:
            print(
                f"demo-data: {result.script.name!r} did not go as scripted, {result.error}",
                file=sys.stderr,
            )
            code = EXIT_FAILED
    return code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delete", action="store_true", help="remove every demo row")
    parser.add_argument(
        "--script",
        type=Path,
        default=SCRIPT_FILE,
        help=f"conversations to replay (default {SCRIPT_FILE.relative_to(REPO_ROOT)})",
    )
    args = parser.parse_args()
    # The command says what it did; the modules it drives log only what needs attention.
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    if args.delete:
        counts = delete_demo_data()
        print(
            f"deleted demo data: {counts['conversation_summaries']} conversation summaries, "
            f"{counts['survey_responses']} survey responses, "
            f"{counts['conversations']} stored conversations"
        )
        return
    sys.exit(run_replay(args.script))


if __name__ == "__main__":
    main()
