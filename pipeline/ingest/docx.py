"""DOCX: python-docx paragraphs and tables, in body order; the core-properties title."""
from __future__ import annotations

import io
from typing import Optional


def read_docx(data: bytes) -> tuple[str, Optional[str]]:
    """(text, title). Raises whatever python-docx raises on a broken package (the caller maps it)."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(io.BytesIO(data))
    lines: list[str] = []
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append(Paragraph(child, document).text)
        elif tag == "tbl":
            table = Table(child, document)
            for row in table.rows:
                cells: list[str] = []
                for cell in row.cells:
                    value = " ".join(cell.text.split())
                    if not cells or cells[-1] != value:  # merged cells repeat their text
                        cells.append(value)
                lines.append("\t".join(cells))
            lines.append("")
    title = (document.core_properties.title or "").strip() or None
    return "\n".join(lines).strip("\n"), title
