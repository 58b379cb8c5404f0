"""The benchmark's source table and its ``person``, ``auction`` and ``bid`` views, as SQL.

The views pick one event kind each and flatten its ROW, as the Nexmark suite for Flink defines
them; queries read only the views.

>>> print(table_ddl({'events.num': '10'}).splitlines()[-1])
) WITH ('connector' = 'nexmark', 'events.num' = '10')
"""

from __future__ import annotations

PERSON_FIELDS = ("id BIGINT, name VARCHAR, emailAddress VARCHAR, creditCard VARCHAR, city VARCHAR, "
                 "state VARCHAR, dateTime TIMESTAMP(3), extra VARCHAR")
AUCTION_FIELDS = ("id BIGINT, itemName VARCHAR, description VARCHAR, initialBid BIGINT, reserve BIGINT, "
                  "dateTime TIMESTAMP(3), expires TIMESTAMP(3), seller BIGINT, category BIGINT, extra VARCHAR")
BID_FIELDS = ("auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, url VARCHAR, "
              "dateTime TIMESTAMP(3), extra VARCHAR")

VIEWS = """
CREATE VIEW person AS
SELECT person.id, person.name, person.emailAddress, person.creditCard, person.city, person.state,
       dateTime, person.extra
FROM {table} WHERE event_type = 0;

CREATE VIEW auction AS
SELECT auction.id, auction.itemName, auction.description, auction.initialBid, auction.reserve,
       dateTime, auction.expires, auction.seller, auction.category, auction.extra
FROM {table} WHERE event_type = 1;

CREATE VIEW bid AS
SELECT bid.auction, bid.bidder, bid.price, bid.channel, bid.url, dateTime, bid.extra
FROM {table} WHERE event_type = 2;
"""


def table_ddl(options: dict[str, str], name: str = "datagen", watermark_delay_s: int = 4,
              computed_date_time: bool = False) -> str:
    """``CREATE TABLE`` for the event stream. ``watermark_delay_s`` is the bound on disorder the
    watermark allows (Flink's suite: 4 seconds). With ``computed_date_time`` the event time is a
    computed column over the ROWs, exactly as in Flink's DDL; otherwise the source fills it (cheaper)."""
    date_time = ("dateTime AS CASE WHEN event_type = 0 THEN person.dateTime "
                 "WHEN event_type = 1 THEN auction.dateTime ELSE bid.dateTime END"
                 if computed_date_time else "dateTime TIMESTAMP(3)")
    with_clause = ", ".join(f"'{k}' = '{v}'" for k, v in {"connector": "nexmark", **options}.items())
    return (f"CREATE TABLE {name} (\n"
            f"    event_type INT,\n"
            f"    person ROW<{PERSON_FIELDS}>,\n"
            f"    auction ROW<{AUCTION_FIELDS}>,\n"
            f"    bid ROW<{BID_FIELDS}>,\n"
            f"    {date_time},\n"
            f"    WATERMARK FOR dateTime AS dateTime - INTERVAL '{watermark_delay_s}' SECOND\n"
            f") WITH ({with_clause})")


def statements(options: dict[str, str], name: str = "datagen", watermark_delay_s: int = 4,
               computed_date_time: bool = False) -> list[str]:
    """The table and the three views, one statement each, ready for ``execute_sql``."""
    views = [v.strip() for v in VIEWS.format(table=name).split(";") if v.strip()]
    return [table_ddl(options, name, watermark_delay_s, computed_date_time), *views]
