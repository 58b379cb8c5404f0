"""Rule push_filters (to be written)."""

NAME = "push_filters"


def apply(node, context):
    return node
