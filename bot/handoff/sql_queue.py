"""The handoff queue in the product database (SQLite by default, PostgreSQL in production).

One table, one row per conversation in the handoff: waiting while `claimed_by` is NULL,
held while it names an agent; the row is deleted when the person leaves or the agent
releases. Every change that must not race is a single conditional statement whose row
count says who won (`UPDATE ... SET claimed_by = :agent WHERE claimed_by IS NULL`), which
both databases apply atomically without explicit row locks; a join that loses an insert
race sees the IntegrityError and carries on as already joined. Lapsed waits and claims
(older than `stale_seconds`) are ignored by every query and deleted on the next join.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, String, Text, and_, delete, func, or_, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from bot.db import Base, engine_for, ensure_tables
from bot.handoff.queue import (
    AlreadyClaimed,
    Claim,
    NotWaiting,
    Waiting,
    check_agent,
    check_channel,
    check_conversation_id,
    check_stale_seconds,
    clean_summary,
    clock,
)

JOIN_ATTEMPTS = 5


class HandoffEntry(Base):
    """A conversation waiting for an agent, or held by one. Times are epoch seconds, as in
    the queue's API (and Rasa's events table), so nothing converts on the hot path."""

    __tablename__ = "handoff_queue"

    conversation_id = Column(String(128), primary_key=True)
    channel = Column(String(40), nullable=False)
    summary = Column(Text, nullable=False)  # masked by the caller
    enqueued_at = Column(Float, nullable=False, index=True)
    claimed_by = Column(String(64))  # staff username; NULL while waiting
    claimed_at = Column(Float)


TABLE = HandoffEntry.__table__
C = TABLE.c


class SqlHandoffQueue:
    """HandoffQueue on a SQLAlchemy database URL (the engine is shared per process)."""

    def __init__(self, url: str, stale_seconds: int = 4 * 60 * 60) -> None:
        self.url = url
        self.stale_seconds = check_stale_seconds(stale_seconds)

    @property
    def engine(self) -> Engine:
        ensure_tables(self.url, [TABLE])  # on first use, not at construction: building one is free
        return engine_for(self.url)

    def _cutoff(self, now: float) -> float:
        return now - self.stale_seconds

    def _waiting(self, cutoff: float) -> ColumnElement:
        """Rows in line: unclaimed and not lapsed."""
        return and_(C.claimed_by.is_(None), C.enqueued_at >= cutoff)

    def _claim_of(self, conn: Connection, conversation_id: str, cutoff: float) -> Claim | None:
        row = conn.execute(
            select(C.claimed_by, C.claimed_at).where(
                C.conversation_id == conversation_id, C.claimed_by.is_not(None)
            )
        ).first()
        if row is None or row.claimed_at < cutoff:
            return None
        return Claim(conversation_id, row.claimed_by, row.claimed_at)

    def _place(self, conn: Connection, conversation_id: str, cutoff: float) -> int | None:
        mine = conn.execute(
            select(C.enqueued_at).where(C.conversation_id == conversation_id, self._waiting(cutoff))
        ).scalar()
        if mine is None:
            return None
        ahead = conn.execute(
            select(func.count())
            .select_from(TABLE)
            .where(
                self._waiting(cutoff),
                or_(
                    C.enqueued_at < mine,
                    and_(C.enqueued_at == mine, C.conversation_id < conversation_id),
                ),
            )
        ).scalar_one()
        return int(ahead) + 1

    def join(
        self, conversation_id: str, channel: str, summary: str, now: float | None = None
    ) -> int:
        check_conversation_id(conversation_id)
        check_channel(channel)
        summary = clean_summary(summary)
        now = clock(now)
        cutoff = self._cutoff(now)
        engine = self.engine
        with engine.begin() as conn:
            # Lapsed waits and claims go first, so a lapsed row never blocks a rejoin.
            conn.execute(
                delete(TABLE).where(
                    or_(
                        and_(C.claimed_by.is_(None), C.enqueued_at < cutoff),
                        and_(C.claimed_by.is_not(None), C.claimed_at < cutoff),
                    )
                )
            )
        for _ in range(JOIN_ATTEMPTS):
            holder: Claim | None = None
            with engine.begin() as conn:
                updated = conn.execute(
                    update(TABLE)
                    .where(C.conversation_id == conversation_id, C.claimed_by.is_(None))
                    .values(summary=summary)
                ).rowcount
                if updated:
                    place = self._place(conn, conversation_id, cutoff)
                    if place is not None:
                        return place
                holder = self._claim_of(conn, conversation_id, cutoff)
            if holder is not None:
                raise AlreadyClaimed(conversation_id, holder.agent)
            try:
                with engine.begin() as conn:
                    conn.execute(
                        TABLE.insert().values(
                            conversation_id=conversation_id,
                            channel=channel,
                            summary=summary,
                            enqueued_at=now,
                        )
                    )
                    place = self._place(conn, conversation_id, cutoff)
                    if place is not None:
                        return place
            except IntegrityError:
                continue  # a concurrent join inserted it: update the summary next round
        raise RuntimeError(f"joining {conversation_id!r} kept racing other changes; try again")

    def place(self, conversation_id: str, now: float | None = None) -> int | None:
        check_conversation_id(conversation_id)
        with self.engine.connect() as conn:
            return self._place(conn, conversation_id, self._cutoff(clock(now)))

    def waiting(self, now: float | None = None) -> list[Waiting]:
        return self._in_line(self._cutoff(clock(now)), None)

    def overdue(self, older_than_seconds: float, now: float | None = None) -> list[Waiting]:
        now = clock(now)
        return self._in_line(self._cutoff(now), now - older_than_seconds)

    def _in_line(self, cutoff: float, latest: float | None) -> list[Waiting]:
        query = (
            select(C.conversation_id, C.channel, C.summary, C.enqueued_at)
            .where(self._waiting(cutoff))
            .order_by(C.enqueued_at, C.conversation_id)
        )
        if latest is not None:
            query = query.where(C.enqueued_at <= latest)
        with self.engine.connect() as conn:
            return [Waiting(*row) for row in conn.execute(query)]

    def claim(self, conversation_id: str, agent: str, now: float | None = None) -> Claim:
        check_conversation_id(conversation_id)
        check_agent(agent)
        now = clock(now)
        cutoff = self._cutoff(now)
        engine = self.engine
        with engine.begin() as conn:
            won = conn.execute(
                update(TABLE)
                .where(C.conversation_id == conversation_id, self._waiting(cutoff))
                .values(claimed_by=agent, claimed_at=now)
            ).rowcount
        if won:
            return Claim(conversation_id, agent, now)
        with engine.connect() as conn:
            held = self._claim_of(conn, conversation_id, cutoff)
        if held is None:
            raise NotWaiting(conversation_id)
        if held.agent != agent:
            raise AlreadyClaimed(conversation_id, held.agent)
        return held

    def holder(self, conversation_id: str, now: float | None = None) -> Claim | None:
        check_conversation_id(conversation_id)
        with self.engine.connect() as conn:
            return self._claim_of(conn, conversation_id, self._cutoff(clock(now)))

    def release(self, conversation_id: str, agent: str, now: float | None = None) -> None:
        check_conversation_id(conversation_id)
        check_agent(agent)
        engine = self.engine
        with engine.begin() as conn:
            released = conn.execute(
                delete(TABLE).where(C.conversation_id == conversation_id, C.claimed_by == agent)
            ).rowcount
        if released:
            return
        with engine.connect() as conn:
            held = self._claim_of(conn, conversation_id, self._cutoff(clock(now)))
        if held is not None and held.agent != agent:
            raise AlreadyClaimed(conversation_id, held.agent)

    def leave(self, conversation_id: str) -> None:
        check_conversation_id(conversation_id)
        with self.engine.begin() as conn:
            conn.execute(
                delete(TABLE).where(C.conversation_id == conversation_id, C.claimed_by.is_(None))
            )
