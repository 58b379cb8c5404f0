"""``ExplainDetail``: the extra sections ``explain`` / ``explain_sql`` may print (Flink's names)."""

from __future__ import annotations

import enum


class ExplainDetail(enum.Enum):
    ESTIMATED_COST = 0
    CHANGELOG_MODE = 1
    JSON_EXECUTION_PLAN = 2
    PLAN_ADVICE = 3
    PHASES = 4  # flowsql's own: the logical plan after each optimizer phase
