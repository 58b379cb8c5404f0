"""Rule push_filters_into_scan (to be written)."""

NAME = "push_filters_into_scan"


def apply(node, context):
    return node
