"""The draft summary report as a Word document the rapporteur can edit.

python-docx looks a style up and scans the body's children on every paragraph it adds, which
makes a long report quadratic (over ten minutes at 200,000 answers, docs/benchmarks.md). So the
body is written here as WordprocessingML text, block after block, straight into the zip; every
other part (styles, theme, settings) is python-docx's default template, so the document keeps
its Title, Heading 1-3, Quote, Caption and "Light Grid Accent 1" styles and can be restyled.
"""

from __future__ import annotations

import re
import struct
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO
from xml.sax.saxutils import escape

import docx

from bot.export.outline import Block, Heading, Image, Paragraph, Table
from bot.export.report import Quote

STYLE_IDS = {0: "Title", 1: "Heading1", 2: "Heading2", 3: "Heading3"}
TABLE_STYLE = "LightGrid-Accent1"
TEXT_WIDTH = 8640  # twips between the template's margins (12240 - 2 x 1800)
EMU_PER_INCH = 914400
IMAGE_WIDTH = 6 * EMU_PER_INCH
IMAGE_REL = "rIdChart{number}"
TEMPLATE = Path(docx.__file__).parent / "templates" / "default.docx"  # python-docx's own
_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NAMESPACES = (
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture"'
)


def _runs(text: str, italic: bool = False) -> str:
    """Runs of text; a line break inside becomes <w:br/>, a tab <w:tab/>, as python-docx does."""
    properties = "<w:rPr><w:i/></w:rPr>" if italic else ""
    parts = []
    for number, line in enumerate(_INVALID.sub("", text).split("\n")):
        if number:
            parts.append("<w:br/>")
        for index, piece in enumerate(line.split("\t")):
            if index:
                parts.append("<w:tab/>")
            if piece:
                parts.append(f'<w:t xml:space="preserve">{escape(piece)}</w:t>')
    return f"<w:r>{properties}{''.join(parts)}</w:r>"


def _paragraph(text: str, style: str | None = None, italic: bool = False) -> str:
    properties = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    return f"<w:p>{properties}{_runs(text, italic)}</w:p>"


def _table(block: Table) -> str:
    width = TEXT_WIDTH // max(len(block.headers), 1)
    grid = "".join(f'<w:gridCol w:w="{width}"/>' for _ in block.headers)
    cell = f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{width}"/></w:tcPr>{{}}</w:tc>'
    rows = [
        "<w:tr>" + "".join(cell.format(_paragraph(text)) for text in row) + "</w:tr>"
        for row in (block.headers, *block.rows)
    ]
    properties = (
        f'<w:tblPr><w:tblStyle w:val="{TABLE_STYLE}"/><w:tblW w:type="auto" w:w="0"/>'
        '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" '
        'w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr>'
    )
    return f"<w:tbl>{properties}<w:tblGrid>{grid}</w:tblGrid>{''.join(rows)}</w:tbl>"


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height in pixels, from the PNG header."""
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def _picture(png: bytes, number: int) -> str:
    pixels_wide, pixels_high = png_size(png)
    width, height = IMAGE_WIDTH, IMAGE_WIDTH * pixels_high // max(pixels_wide, 1)
    name = f"chart{number}.png"
    return (
        '<w:p><w:r><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0">'
        f'<wp:extent cx="{width}" cy="{height}"/><wp:docPr id="{number}" name="Picture {number}"/>'
        "<wp:cNvGraphicFramePr><a:graphicFrameLocks "
        'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" noChangeAspect="1"/>'
        f"</wp:cNvGraphicFramePr><a:graphic {_NAMESPACES}>"
        '<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">'
        f'<pic:pic><pic:nvPicPr><pic:cNvPr id="0" name="{name}"/><pic:cNvPicPr/></pic:nvPicPr>'
        f'<pic:blipFill><a:blip r:embed="{IMAGE_REL.format(number=number)}"/>'
        "<a:stretch><a:fillRect/></a:stretch></pic:blipFill>"
        f'<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{width}" cy="{height}"/></a:xfrm>'
        '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic>'
        "</a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>"
    )


def _body(blocks: list[Block], images: list[bytes]) -> Iterator[str]:
    """Each block as WordprocessingML; images are numbered as they come."""
    for block in blocks:
        if isinstance(block, Heading):
            yield _paragraph(" ".join(block.text.split()), STYLE_IDS.get(block.level, "Heading3"))
        elif isinstance(block, Paragraph):
            yield _paragraph(block.text)
        elif isinstance(block, Table):
            yield _table(block)
        elif isinstance(block, Quote):
            yield _paragraph(block.text.strip(), "Quote")
            yield _paragraph(f"— {block.source}", "Quote", italic=True)
        elif isinstance(block, Image):
            images.append(block.png)
            yield _picture(block.png, len(images))
            yield _paragraph(block.caption, "Caption")


def _document_xml(template: str, body: Iterator[str]) -> Iterator[str]:
    """The template's document.xml with the blocks before its section properties."""
    head, _, rest = template.partition("<w:body>")
    section = rest[rest.index("<w:sectPr") : rest.index("</w:body>")]
    yield head + "<w:body>"
    yield from body
    yield section + "</w:body></w:document>"


def _with_images(part: str, xml: str, count: int) -> str:
    """Declare PNG in the content types and relate each image to the document."""
    if part == "[Content_Types].xml" and 'Extension="png"' not in xml:
        png = '<Default Extension="png" ContentType="image/png"/>'
        return xml.replace("</Types>", png + "</Types>")
    if part == "word/_rels/document.xml.rels":
        relations = "".join(
            f'<Relationship Id="{IMAGE_REL.format(number=n)}" Type="http://schemas.openxmlformats'
            f'.org/officeDocument/2006/relationships/image" Target="media/chart{n}.png"/>'
            for n in range(1, count + 1)
        )
        return xml.replace("</Relationships>", relations + "</Relationships>")
    return xml


def write_docx(blocks: list[Block], sink: BinaryIO) -> None:
    """Write the .docx into `sink`: the body streamed into the zip, the rest from the template."""
    images: list[bytes] = []
    with (
        zipfile.ZipFile(TEMPLATE) as template,
        zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as package,
    ):
        document = template.read("word/document.xml").decode("utf-8")
        with package.open("word/document.xml", "w") as out:
            for text in _document_xml(document, _body(blocks, images)):
                out.write(text.encode("utf-8"))
        for number, png in enumerate(images, start=1):
            package.writestr(f"word/media/chart{number}.png", png)
        for part in template.namelist():
            if part == "word/document.xml":
                continue
            data = template.read(part)
            if part in ("[Content_Types].xml", "word/_rels/document.xml.rels"):
                data = _with_images(part, data.decode("utf-8"), len(images)).encode("utf-8")
            package.writestr(part, data)
