"""``python -m qualdsl.server POLICY_DIR ...``: the ``serve`` command without the main CLI."""

from qualdsl.server.cli import serve

serve(prog_name="qualdsl serve")
