"""Issue 17 §3: an uploaded spreadsheet is read by the task, never in the request, within a row
limit and an uncompressed-size limit, each refused with a French message saying how to split the
file — a 1 MB workbook of 2 million rows without <dimension> included (it killed a worker)."""

import html as html_lib
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.urls import reverse

from alternance.choices import JobStatus
from alternance.imports.readers import ImportFileError, ReadLimits, read_table
from alternance.models import DataImport
from tests.alternance.imports.import_files import csv_bytes
from tests.factories.alternance import AdminStaffFactory

pytestmark = pytest.mark.django_db

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Feuil1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)
HEADER_ROW = '<row><c t="inlineStr"><is><t>Nom</t></is></c><c t="inlineStr"><is><t>Ville</t></is></c></row>'
DATA_ROW = b"<row><c><v>1</v></c><c><v>2</v></c></row>"


def raw_xlsx(data_rows: int) -> bytes:
    """A workbook written by hand, as a hostile or careless producer would: a sheet of
    ``data_rows`` tiny rows under a header, without <dimension>, deflated (2 million rows: ~50 KB)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet '
                        b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            sheet.write(HEADER_ROW.encode())
            chunk = DATA_ROW * 10_000
            for _ in range(data_rows // 10_000):
                sheet.write(chunk)
            sheet.write(DATA_ROW * (data_rows % 10_000))
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def uncompressed_size(content: bytes) -> int:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return sum(info.file_size for info in archive.infolist())


def limits(rows: int = 50_000, size: int = 50 * 1024 * 1024) -> ReadLimits:
    return ReadLimits(rows=rows, uncompressed_bytes=size)


# --- the reader's limits, at limit − 1 / limit / limit + 1 ------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_row_limit_accepts_up_to_the_limit_and_refuses_one_more(fmt):
    def content(n: int) -> bytes:
        return raw_xlsx(n) if fmt == "xlsx" else csv_bytes([{"Nom": "1", "Ville": "2"}] * n)

    name = f"f.{fmt}"
    assert len(read_table(content(99), name=name, limits=limits(rows=100)).rows) == 99
    assert len(read_table(content(100), name=name, limits=limits(rows=100)).rows) == 100
    with pytest.raises(ImportFileError) as error:
        read_table(content(101), name=name, limits=limits(rows=100))
    assert str(error.value) == (
        "Le fichier compte plus de 100 lignes de données, la limite d'un import : découpez-le en fichiers de 100 lignes "
        "au plus (l'en-tête répété en première ligne de chacun) et importez-les l'un après l'autre.")


def test_reading_stops_at_the_row_limit_in_a_sheet_without_dimension():
    seen = []

    with pytest.raises(ImportFileError):
        read_table(raw_xlsx(200_000), name="f.xlsx", limits=limits(rows=3000), progress=seen.append)

    assert seen == [1000, 2000, 3000]  # nothing read past the limit (the progress counts every 1 000 rows)


def test_the_uncompressed_size_limit_accepts_up_to_the_limit_and_refuses_one_byte_more():
    content = raw_xlsx(10)
    size = uncompressed_size(content)

    assert len(read_table(content, name="f.xlsx", limits=limits(size=size + 1)).rows) == 10
    assert len(read_table(content, name="f.xlsx", limits=limits(size=size)).rows) == 10
    with pytest.raises(ImportFileError) as error:
        read_table(content, name="f.xlsx", limits=limits(size=size - 1))
    assert str(error.value) == (
        f"Une fois décompressé, le classeur dépasse {filesizeformat(size - 1)} ({filesizeformat(size)} au moins) : "
        "découpez-le en plusieurs fichiers (l'en-tête répété en première ligne de chacun), ou enregistrez en CSV la seule "
        "feuille à importer.")


def test_a_member_that_decompresses_beyond_its_declared_size_is_refused_before_openpyxl(monkeypatch):
    content = bytearray(raw_xlsx(5000))
    # Lie in the central directory: the sheet declares 100 bytes (uncompressed size at offset 24).
    entry = content.rindex(b"PK\x01\x02", 0, content.index(b"xl/worksheets/sheet1.xml", len(content) // 2))
    content[entry + 24:entry + 28] = (100).to_bytes(4, "little")
    import openpyxl

    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: pytest.fail("openpyxl opened the workbook"))

    with pytest.raises(ImportFileError) as error:
        read_table(bytes(content), name="f.xlsx")

    assert str(error.value).startswith("Le classeur est illisible (BadZipFile) : enregistrez-le à nouveau")


# --- through the pages and the task ----------------------------------------------------------------


@pytest.fixture
def admin(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    user = AdminStaffFactory()
    client.force_login(user)
    return user


def upload_without_running_the_task(client, django_capture_on_commit_callbacks, content: bytes, name: str):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(reverse("data_import_upload"), {"kind": "apprentices", "file": SimpleUploadedFile(name, content)})
    return response, queued


def test_a_workbook_of_two_million_rows_without_dimension_is_refused_by_the_task_not_the_request(
        client, admin, monkeypatch, django_capture_on_commit_callbacks):
    content = raw_xlsx(2_000_000)
    assert len(content) < 1024 * 1024 and uncompressed_size(content) > 50 * 1024 * 1024
    import openpyxl

    opened = []
    original = openpyxl.load_workbook
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: opened.append(1) or original(*a, **k))

    response, queued = upload_without_running_the_task(client, django_capture_on_commit_callbacks, content, "enorme.xlsx")

    data_import = DataImport.objects.get()
    assert (response.status_code, response.url) == (302, reverse("data_import_detail", args=[data_import.pk]))
    assert (data_import.status, data_import.phase, len(queued), opened) == (JobStatus.RUNNING, "analysis", 1, [])

    queued[0]()  # the task

    data_import.refresh_from_db()
    assert (data_import.status, data_import.phase, data_import.rows_read, opened) == (JobStatus.FAILED, "analysis", 0, [])
    message = (f"Une fois décompressé, le classeur dépasse 50,0\xa0Mio ({filesizeformat(uncompressed_size(content))} au moins) : "
               "découpez-le en plusieurs fichiers (l'en-tête répété en première ligne de chacun), ou enregistrez en CSV la "
               "seule feuille à importer.")
    assert data_import.errors == [{"row": None, "column": "", "message": message}]
    page = client.get(reverse("data_import_detail", args=[data_import.pk]))
    html = html_lib.unescape(page.content.decode())
    assert page.status_code == 200 and message in html and "Déposer un fichier corrigé" in html


def test_a_file_of_100_000_rows_is_read_by_the_task_which_stops_at_the_row_limit(
        client, admin, django_capture_on_commit_callbacks):
    response, queued = upload_without_running_the_task(client, django_capture_on_commit_callbacks, raw_xlsx(100_000), "long.xlsx")
    data_import = DataImport.objects.get()
    assert (response.status_code, data_import.status, data_import.rows_read) == (302, JobStatus.RUNNING, 0)

    queued[0]()

    data_import.refresh_from_db()
    assert (data_import.status, data_import.phase, data_import.rows_read) == (JobStatus.FAILED, "analysis", 50_000)
    assert data_import.errors[0]["message"].startswith(
        "Le fichier compte plus de 50\xa0000 lignes de données, la limite d'un import : découpez-le en fichiers de "
        "50\xa0000 lignes au plus")
    page = html_lib.unescape(client.get(reverse("data_import_detail", args=[data_import.pk])).content.decode())
    assert data_import.errors[0]["message"] in page and "Fichier refusé" in page
