"""Which operators of a (possibly changed) query would keep their state from a checkpoint.

``EXPLAIN`` runs this when ``execution.state-recovery.path`` is set, before anything starts.
Operators are matched by their stable ids (kind, description and inputs, see
``PhysicalPlanner``), so an operator keeps its state only if it and everything below it is
unchanged; state in the checkpoint that no operator claims makes the job refuse to start unless
``execution.state-recovery.ignore-unclaimed-state`` is set.
"""

from __future__ import annotations

from flowsql.exec.checkpoint.storage import RestoredCheckpoint
from flowsql.exec.state.backend import StateBackend


def _declared_states(job) -> dict[str, list[str]]:
    """Each operator's state names, found by opening its operators (not its sinks) on a scratch backend."""
    from flowsql.exec.operator import RuntimeContext
    from flowsql.exec.operators.sink import TableSinkOperator

    backend = StateBackend()
    context = RuntimeContext(job.config, job.clock, backend)
    for op in job.operators:
        if not isinstance(op, TableSinkOperator):
            op.open(context)
    states: dict[str, list[str]] = {}
    for op_id, name in backend.states:
        states.setdefault(op_id, []).append(name)
    for op in job.operators:
        if not isinstance(op, TableSinkOperator):
            op.close()
    return states


def recovery_report(job, restored: RestoredCheckpoint) -> list[str]:
    """Plain-words lines: per operator, kept or empty state; then the state nobody claims."""
    saved: dict[str, list[str]] = {}
    for op_id, name in restored.states:
        saved.setdefault(op_id, []).append(name)
    declared = _declared_states(job)
    sources = restored.metadata.get("sources", {})
    sinks = {k for k, v in restored.metadata.get("sinks", {}).items() if v is not None}
    lines, claimed = [], set()
    for op in job.operators:
        op_id = op.node.operator_id
        kind = op.node.kind
        if op in job.sources:
            claimed.add(op_id)
            lines.append(f"{kind} [{op_id}]: resumes at position {sources[op_id]}" if op_id in sources
                         else f"{kind} [{op_id}]: starts from the beginning: the checkpoint has no position for it "
                              "(a new or changed source)")
        elif op_id in sinks:
            claimed.add(op_id)
            lines.append(f"{kind} [{op_id}]: commits the checkpoint's pending files")
        names = declared.get(op_id)
        if names:
            claimed.add(op_id)
            kept = [n for n in names if n in saved.get(op_id, [])]
            if len(kept) == len(names):
                lines.append(f"{kind} [{op_id}]: keeps its state ({', '.join(sorted(names))})")
            elif not kept:
                lines.append(f"{kind} [{op_id}]: starts with empty state: the checkpoint has none for this operator "
                             "(it, or something below it, is new or changed)")
            else:
                lines.append(f"{kind} [{op_id}]: keeps {', '.join(sorted(kept))}; starts "
                             f"{', '.join(sorted(set(names) - set(kept)))} empty")
    unclaimed = sorted((set(saved) | set(sources)) - claimed)
    for op_id in unclaimed:
        what = ", ".join(sorted(saved.get(op_id, []))) or "source position"
        lines.append(f"unused state [{op_id}] ({what}): no operator of this query has this id; the job refuses to "
                     "start unless 'execution.state-recovery.ignore-unclaimed-state' = 'true'")
    return lines
