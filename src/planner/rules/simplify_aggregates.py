"""Rule simplify_aggregates (to be written)."""

NAME = "simplify_aggregates"


def apply(node, context):
    return node
