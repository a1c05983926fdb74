"""Demo data for the insights page: replayed conversations, and their removal.

Everything a demo leaves behind is recognisable (conversation ids start with DEMO_PREFIX,
product rows are flagged is_demo), so it can be removed without touching real data.

    python -m bot.insights.demo --delete
"""

from __future__ import annotations

import argparse
import logging

from sqlalchemy import delete, func, inspect, select

from bot.db import engine_for, session_scope
from bot.insights.models import DEMO_PREFIX, ConversationSummary, SurveyResponse
from bot.insights.summaries import ensure_tables
from bot.insights.tracker_source import EVENTS, REDIS_KEY_PREFIX, redis_tracker_client
from bot.settings import Settings, get_settings

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


# replay: see below. The replay half (writing demo conversations and survey answers, all
# under DEMO_PREFIX ids and is_demo rows) goes here, beside its inverse above.


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delete", action="store_true", help="remove every demo row")
    args = parser.parse_args()
    logging.basicConfig(level=get_settings().log_level, format="%(message)s")
    if args.delete:
        print(delete_demo_data())
    else:
        parser.print_help()


if __name__ == "__main__":
    main()
