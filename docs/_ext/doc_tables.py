"""The docutils table every generated table of the docs is built with (the contract's, the matrix's, the
distribution runs'): a class list, column widths, a header row and body rows of ready-made cell nodes."""

from __future__ import annotations

from docutils import nodes

Cell = nodes.Node | list[nodes.Node]


def build_table(head: list[Cell], rows: list[list[Cell]], widths: list[int], classes: list[str]) -> nodes.table:
    """A table of `head` and `rows`; a cell is a node, or a list of nodes that share one entry."""
    table = nodes.table(classes=classes)
    group = nodes.tgroup(cols=len(head))
    table += group
    for width in widths:
        group += nodes.colspec(colwidth=width)
    group += nodes.thead("", _row(head))
    body = nodes.tbody()
    group += body
    for cells in rows:
        body += _row(cells)
    return table


def fixed_paragraph(text: str, literal: bool = False) -> nodes.paragraph:
    """A cell's text that stays as it is in every language (a clause id, a release, a count)."""
    child = nodes.literal(text, text) if literal else nodes.Text(text)
    para = nodes.paragraph("", "", child)
    para["translatable"] = False
    return para


def _row(cells: list[Cell]) -> nodes.row:
    row = nodes.row()
    for cell in cells:
        row += nodes.entry("", *(cell if isinstance(cell, list) else [cell]))
    return row
