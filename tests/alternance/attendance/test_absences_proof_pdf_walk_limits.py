"""How far ``pdf_active_content`` walks a PDF proof's object graph (issue 17 §14, issue 16): every
object reachable from the trailer counts once — an indirect object once, however often it is
referenced — and more than ``PDF_MAX_OBJECTS`` of them refuse the proof (« /ObjectCount »), tested at
the limit − 1, the limit and the limit + 1 objects; an object met twice never ends the walk; an action
type given by reference (``/S 12 0 R``) is read through the reference."""

from __future__ import annotations

from io import BytesIO

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, NumberObject, TextStringObject

from alternance.attendance import services
from alternance.attendance.services import pdf_active_content


def written(writer: PdfWriter) -> bytes:
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def plain_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    return written(writer)


def objects_reachable(content: bytes) -> int:
    """The objects of the graph counted independently of the service: the trailer and every value
    reachable from it (dictionary values, array items), an indirect object once."""
    seen: set[tuple[int, int]] = set()

    def count(item) -> int:
        if isinstance(item, IndirectObject):
            if (item.idnum, item.generation) in seen:
                return 0
            seen.add((item.idnum, item.generation))
            item = item.get_object()
        if isinstance(item, DictionaryObject):
            return 1 + sum(count(value) for value in item.values())
        if isinstance(item, ArrayObject):
            return 1 + sum(count(value) for value in item)
        return 1

    return count(PdfReader(BytesIO(content)).trailer)


@pytest.mark.parametrize(("limit_offset", "expected"), [(-1, "/ObjectCount"), (0, None), (1, None)],
                         ids=["limit-1", "limit", "limit+1"])
def test_a_pdf_with_more_objects_than_the_limit_is_refused(monkeypatch, limit_offset, expected):
    content = plain_pdf()
    objects = objects_reachable(content)
    assert 10 < objects < 100  # a blank page: a few dozen objects

    monkeypatch.setattr(services, "PDF_MAX_OBJECTS", objects + limit_offset)

    assert pdf_active_content(content) == expected


def launch_action(target: str = "calc.exe") -> DictionaryObject:
    return DictionaryObject({NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject(target)})


def annotation(writer: PdfWriter, **entries) -> IndirectObject:
    values = {NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Link"),
              NameObject("/Rect"): ArrayObject([NumberObject(0), NumberObject(0), NumberObject(10), NumberObject(10)])}
    values.update({NameObject(f"/{key}"): value for key, value in entries.items()})
    return writer._add_object(DictionaryObject(values))


def test_an_object_met_twice_does_not_end_the_walk():
    """The page's annotations [launching link, plain link, the same plain link]: walked last to first,
    the plain link is met a second time before the launching one — skipped, and the walk goes on."""
    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    plain = annotation(writer)
    launching = annotation(writer, A=launch_action())
    page[NameObject("/Annots")] = ArrayObject([launching, plain, plain])

    assert pdf_active_content(written(writer)) == "/Launch"


def test_an_action_type_given_by_reference_is_read_through_it():
    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    action = DictionaryObject({NameObject("/S"): writer._add_object(NameObject("/Launch")), NameObject("/F"): TextStringObject("calc.exe")})
    page[NameObject("/Annots")] = ArrayObject([annotation(writer, A=action)])

    assert pdf_active_content(written(writer)) == "/Launch"


def test_the_same_pdfs_without_the_launch_action_are_plain():
    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    plain = annotation(writer)
    page[NameObject("/Annots")] = ArrayObject([annotation(writer), plain, plain])

    assert pdf_active_content(written(writer)) is None
