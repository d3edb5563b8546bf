"""Titles, descriptions, keywords, author, credit and copyright read from the file at upload,
written into real files by ExifTool as Lightroom, darktable and phones write them."""
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from analysis import tallies
from analysis.models import PhotoTag
from gallery.models import Photo
from pictura.testing.images import make_image, upload

pytestmark = pytest.mark.django_db


def written(tmp_path: Path, data: bytes, *tags: str, name="photo.jpg") -> bytes:
    """``data`` with ``tags`` (ExifTool assignments such as ``-XMP-dc:Title=Tram``) written in."""
    path = tmp_path / name
    path.write_bytes(data)
    subprocess.run(["exiftool", "-q", "-overwrite_original", "-codedcharacterset=utf8", *tags, str(path)], check=True)
    return path.read_bytes()


def ingested(owner_client, name, data, content_type="image/jpeg") -> Photo:
    response = owner_client.post(reverse("gallery:upload"), {"files": [upload(name, data, content_type)]})
    assert response.status_code in (200, 302), response.content[:500]
    return Photo.objects.get(original_filename=name)


def file_tags(photo) -> list[str]:
    return sorted(PhotoTag.objects.filter(photo=photo, source="file").values_list("tag__name", flat=True))


LIGHTROOM = [
    "-XMP-dc:Title=Tram 28", "-XMP-dc:Description=Going up to Graça", "-XMP-dc:Creator=Ana Ruiz",
    "-XMP-dc:Rights=© 2026 Ana Ruiz", "-XMP-photoshop:Credit=Ana Ruiz / Pictura",
    "-XMP-dc:Subject=Lisbon", "-XMP-dc:Subject=Tram", "-XMP-dc:Subject=Street photography",
    # Older IPTC and EXIF copies that disagree: XMP is what the application wrote last.
    "-IPTC:Keywords=Old keyword", "-IPTC:By-line=Someone else", "-EXIF:Artist=Camera owner",
]


def test_xmp_written_by_an_editor_fills_the_fields_and_becomes_tags(owner_client, owner, tmp_path):
    photo = ingested(owner_client, "tram.jpg", written(tmp_path, make_image(), *LIGHTROOM))
    assert (photo.title, photo.description, photo.author, photo.credit, photo.copyright) == (
        "Tram 28", "Going up to Graça", "Ana Ruiz", "Ana Ruiz / Pictura", "© 2026 Ana Ruiz")
    assert file_tags(photo) == ["lisbon", "street photography", "tram"]
    assert photo.file_keywords == ["Lisbon", "Tram", "Street photography"]
    assert tallies.recount(owner.pk, fix=False) == []  # the tags page and stats count them
    # Searchable like any tag, and shown on the photo page.
    assert photo in owner_client.get(reverse("analysis:search"), {"tag": "street photography"}).context["page"]
    page = owner_client.get(photo.get_absolute_url()).content.decode()
    assert "Ana Ruiz / Pictura" in page and "© 2026 Ana Ruiz" in page


def test_iptc_only_as_older_software_writes_it_latin1_or_utf8(owner_client, tmp_path):
    utf8 = written(tmp_path, make_image(color=(1, 2, 3)), "-IPTC:ObjectName=Café", "-IPTC:Keywords=Ação",
                   "-IPTC:Keywords=Praia", "-IPTC:By-line=João", "-IPTC:CopyrightNotice=(c) João",
                   "-IPTC:Credit=Agência", "-IPTC:Caption-Abstract=À beira-mar")
    photo = ingested(owner_client, "iptc.jpg", utf8)
    assert (photo.title, photo.author, photo.copyright, photo.credit, photo.description) == (
        "Café", "João", "(c) João", "Agência", "À beira-mar")
    assert file_tags(photo) == ["ação", "praia"]

    path = tmp_path / "latin1.jpg"
    path.write_bytes(make_image(color=(4, 5, 6)))
    subprocess.run(["exiftool", "-q", "-overwrite_original", "-charset", "iptc=Latin", "-IPTC:ObjectName=Café",
                    str(path)], check=True)
    assert ingested(owner_client, "latin1.jpg", path.read_bytes()).title == "Café"


def test_exif_artist_and_copyright_as_cameras_write_them(owner_client, tmp_path):
    data = written(tmp_path, make_image(color=(7, 8, 9)), "-EXIF:Artist=Studio Lumen", "-EXIF:Copyright=CC BY 4.0",
                   "-EXIF:ImageDescription=OLYMPUS DIGITAL CAMERA")
    photo = ingested(owner_client, "camera.jpg", data)
    assert (photo.author, photo.copyright) == ("Studio Lumen", "CC BY 4.0")
    assert file_tags(photo) == []


def test_png_with_xmp(owner_client, tmp_path):
    data = written(tmp_path, make_image("PNG", color=(9, 9, 9)), "-XMP-dc:Subject=Drawing", "-XMP-dc:Title=Sketch",
                   name="sketch.png")
    photo = ingested(owner_client, "sketch.png", data, "image/png")
    assert photo.title == "Sketch" and file_tags(photo) == ["drawing"]


def test_broken_or_huge_metadata_never_refuses_the_photo(owner_client, tmp_path):
    broken = make_image(color=(10, 11, 12))
    xmp = b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF><unclosed"
    segment = b"\xff\xe1" + (len(xmp) + 2).to_bytes(2, "big") + xmp
    photo = ingested(owner_client, "broken.jpg", broken[:2] + segment + broken[2:])
    assert photo.title == "" and file_tags(photo) == []

    many = [f"-XMP-dc:Subject=keyword {n}" for n in range(150)] + ["-XMP-dc:Title=" + "T" * 500]
    photo = ingested(owner_client, "many.jpg", written(tmp_path, make_image(color=(13, 14, 15)), *many))
    assert len(photo.title) == 200 and len(file_tags(photo)) == 100
