"""Rule prune_columns (to be written)."""

NAME = "prune_columns"


def apply(node, context):
    return node
