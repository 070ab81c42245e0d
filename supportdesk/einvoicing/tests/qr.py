"""Reading the QR code back out of a statement PDF without a QR decoder: the image is
sampled at each module's centre and compared with the symbol segno makes of the expected
URL (the PDF's QR is exactly that symbol, module for module, or it is not the right one)."""

from __future__ import annotations

import io

import pypdf
import segno
from PIL import Image

SCALE, BORDER = 4, 2  # as billing.documents.einvoice_qr_data_uri draws it


def pdf_images(pdf: bytes) -> list[Image.Image]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return [Image.open(io.BytesIO(image.data)) for page in reader.pages for image in page.images]


def pdf_text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def is_qr_of(image: Image.Image, text: str) -> bool:
    expected = segno.make(text, error="m")
    rows = [list(row) for row in expected.matrix]
    size = len(rows)
    grey = image.convert("L")
    if grey.size != ((size + 2 * BORDER) * SCALE,) * 2:
        return False
    for y in range(size):
        for x in range(size):
            dark = grey.getpixel(((x + BORDER) * SCALE + SCALE // 2,
                                  (y + BORDER) * SCALE + SCALE // 2)) < 128
            if dark != bool(rows[y][x]):
                return False
    return True
