"""Physical planning of regular Top-N: ``Rank``, ``Deduplicate`` and streaming ``ORDER BY ... LIMIT``.

Decides the changelog each emits (with the plain-words reason EXPLAIN shows), whether a streaming
``ORDER BY ... LIMIT`` runs as an incremental Top-N without partition, and the strategy label:
``AppendFastStrategy`` over an insert-only input (only the top rows are kept),
``RetractStrategy`` over an updating one (every row is kept, so a retracted top row can be
replaced by the next).
"""

from __future__ import annotations

from flowsql.common.changelog import ChangelogMode


def incremental_sort_limit(p) -> bool:
    """A streaming ``ORDER BY ... LIMIT`` that must be maintained as the input changes: over an
    updating or unbounded input (a bounded insert-only one is simply sorted at its end)."""
    sort = p.logical
    child = p.inputs[0]
    return bool(sort.keys) and sort.fetch is not None and (not child.mode.is_insert_only or not child.bounded)


def strategy(p) -> str:
    return "AppendFastStrategy" if p.inputs[0].mode.is_insert_only else "RetractStrategy"


def top_n_mode(p) -> tuple[ChangelogMode, str]:
    """The changelog mode of a Rank, Deduplicate or incremental SortLimit, and why it updates."""
    logical = p.logical
    updating_input = not p.inputs[0].mode.is_insert_only
    moved_in = ("; when a top row is retracted, the next one moves in" if updating_input else "")
    if p.kind == "Deduplicate":
        keys = [logical.input.names[k] for k in logical.keys]
        if updating_input:
            return ChangelogMode.retract(), (f"Deduplicate on [{', '.join(keys)}] emits updates: its input "
                                             f"updates, so the kept row can be retracted and replaced")
        if not logical.keep_last:
            return ChangelogMode.insert_only(), ""
        reason = (f"Deduplicate on [{', '.join(keys)}] keeping the last row emits updates: a later row "
                  f"replaces the one sent before (-U old, +U new)")
        return ChangelogMode(ChangelogMode.retract().kinds, tuple(p.fields[k].name for k in logical.keys)), reason
    if p.kind == "SortLimit":
        names = logical.input.names
        order = ", ".join(f"{names[i]}{'' if asc else ' DESC'}" for i, asc, _ in logical.keys)
        reason = (f"ORDER BY {order} LIMIT {logical.fetch} on a stream emits updates: a new row can push "
                  f"another out of the first {logical.offset + logical.fetch} rows{moved_in}")
        return ChangelogMode.retract(), reason
    names = logical.input.names
    keys = [names[k] for k in logical.partition_keys]
    where = f"Rank on [{', '.join(keys)}]" if keys else "a global Rank"
    reason = f"{where} emits updates: a new row can push another out of the top {logical.rank_end}{moved_in}"
    if logical.output_rank:
        reason += ", and rows that move get a new rank number (-U old, +U new)"
    key = None
    if logical.output_rank and logical.rank_type == "ROW_NUMBER":
        key = tuple(keys) + (logical.rank_name,)
    return ChangelogMode(ChangelogMode.retract().kinds, key), reason


def top_n_label(p) -> str | None:
    """EXPLAIN text for a streaming Rank or incremental SortLimit (with its strategy), else None."""
    if p.mode.is_insert_only:
        return None  # batch mode, or a SortLimit that sorts a bounded input at its end
    label = p.logical.label()
    if p.kind == "Rank":
        return f"Rank(strategy=[{strategy(p)}], " + label[len("Rank("):]
    sort = p.logical
    names = sort.input.names
    order = ", ".join(f"{names[i]} {'ASC' if asc else 'DESC'}" for i, asc, _ in sort.keys)
    return f"SortLimit(orderBy=[{order}], offset=[{sort.offset}], fetch=[{sort.fetch}], strategy=[{strategy(p)}])"
