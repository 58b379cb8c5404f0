"""Rule merge_projects (to be written)."""

NAME = "merge_projects"


def apply(node, context):
    return node
