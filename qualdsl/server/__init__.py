"""Decisions over HTTP: ``qualdsl serve POLICY_DIR`` (the optional extra ``qualdsl[server]``).

The flow of one request goes through small modules, each owning one step:

    settings.py   what the operator chose (immutable)
    shapes.py     request bodies → checked requests (pure; ApiError on a wrong shape)
    service.py    checked requests × Policy → response documents (pure)
    registry.py   the policies of a folder, kept current by polling (hot reload)
    log.py        the decision log: JSON Lines, appended atomically, rotated by size
    metrics.py    counters and histograms in the Prometheus text format
    openapi.py    the OpenAPI 3.1 document of the endpoints
    app.py        the Starlette app: HTTP wiring only
    cli.py        the click command ``serve``

Only ``app.py`` and ``cli.py`` import Starlette or uvicorn, and ``cli.py`` only when the
command runs, so importing this package never needs the extra.
"""
