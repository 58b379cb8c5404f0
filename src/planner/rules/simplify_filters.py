"""Rule simplify_filters (to be written)."""

NAME = "simplify_filters"


def apply(node, context):
    return node
