"""The job server: a long-lived flowsql session that accepts SQL over a REST API, runs its jobs,
reports them (summary, operator graph, live metrics), cancels them, and serves the web UI.

``session`` runs statement texts into JSON results, ``api`` routes requests to it and to the job
registry, ``http`` carries them over HTTP (standard library only), ``main`` is ``flowsql server``,
and ``static/`` holds the web UI (plain HTML, CSS and JS; no build step).
"""
