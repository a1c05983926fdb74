"""Redis URLs become the settings Rasa's Redis stores and our clients take."""

from __future__ import annotations

from bot.redis_clients import redis_kwargs


def test_redis_url_is_split_for_rasa() -> None:
    assert redis_kwargs("rediss://user:p%40ss@cache.example:6380/2", db_offset=1) == {
        "host": "cache.example",
        "port": 6380,
        "db": 3,
        "username": "user",
        "password": "p@ss",
        "use_ssl": True,
    }
    assert redis_kwargs("redis://localhost")["db"] == 0


TYPED = "born 03/14/1985, ssn 123-45-4821, receipt IOE0912345678"
RAW_VALUES = ("03/14/1985", "123-45", "IOE0912345678", "0912345")
