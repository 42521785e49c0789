"""The lifecycle as a picture: Mermaid (renders in pull requests) or Graphviz dot."""

from __future__ import annotations

from qualdsl import model as m


def _label(t: m.Transition) -> str:
    parts = [t.guard_text]
    if t.owner:
        parts.append(f"owner {t.owner}")
    if t.recycle:
        parts.append("recycle")
    return " / ".join(p for p in parts if p)


def _stage_label(lifecycle: m.Lifecycle, stage: str) -> str:
    owner = lifecycle.owners.get(stage)
    return f"{stage} ({owner})" if owner else stage


def _safe(text: str) -> str:
    return text.replace('"', "'").replace("\n", " ")


def mermaid(lifecycle: m.Lifecycle) -> str:
    ids = {stage: f"s{i}" for i, stage in enumerate(lifecycle.stages)}
    lines = ["flowchart LR"]
    for stage in lifecycle.stages:
        label = _safe(_stage_label(lifecycle, stage))
        if stage in lifecycle.finals:
            lines.append(f'    {ids[stage]}(["{label}"])')
        elif stage == lifecycle.start:
            lines.append(f'    {ids[stage]}[["{label}"]]')
        else:
            lines.append(f'    {ids[stage]}["{label}"]')
    for t in lifecycle.transitions:
        arrow = "-.->" if t.recycle else "-->"
        lines.append(f'    {ids[t.source]} {arrow}|"{_safe(_label(t))}"| {ids[t.target]}')
    return "\n".join(lines) + "\n"


def dot(lifecycle: m.Lifecycle) -> str:
    def quote(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = ["digraph lifecycle {", "  rankdir=LR;", "  node [shape=box, style=rounded];"]
    for stage in lifecycle.stages:
        shape = "doublecircle" if stage in lifecycle.finals else ("box, penwidth=2" if stage == lifecycle.start else "box")
        lines.append(f"  {quote(stage)} [label={quote(_stage_label(lifecycle, stage))}, shape={shape}];")
    for t in lifecycle.transitions:
        style = ", style=dashed" if t.recycle else ""
        lines.append(f"  {quote(t.source)} -> {quote(t.target)} [label={quote(_label(t))}{style}];")
    lines.append("}")
    return "\n".join(lines) + "\n"
