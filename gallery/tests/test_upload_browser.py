"""The upload page in a real browser: previews, progress bars and per-file results."""
import pytest
from playwright.sync_api import expect

from gallery.models import Photo
from pictura.testing.images import make_image

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_upload_many_files_with_progress_and_a_result_each(owner, live_site, owner_page, tmp_path):
    good = tmp_path / "beach.jpg"
    good.write_bytes(make_image(size=(1200, 900)))
    other = tmp_path / "dunes.png"
    other.write_bytes(make_image(fmt="PNG", color=(10, 200, 90)))
    fake = tmp_path / "notes.jpg"
    fake.write_bytes(b"these are not pixels")
    page = owner_page

    page.goto(f"{live_site}/upload/")
    page.set_input_files("input[type=file]", [str(good), str(other), str(fake), str(good)])

    assert page.locator(".upload-item.queued").count() == 4
    assert page.locator("[data-upload-submit]").inner_text() == "Upload 4 photos"
    # A preview for each: the browser types files by their names; the server judges the bytes.
    assert page.locator(".upload-item img").count() == 4
    page.fill("#id_tags", "holiday, sea")
    page.click("[data-upload-submit]")
    # (A locator, not wait_for_function: the page's Content-Security-Policy forbids eval.)
    expect(page.locator(".upload-item.queued, .upload-item.uploading")).to_have_count(0, timeout=60_000)

    statuses = page.locator(".upload-item").evaluate_all("items => items.map(i => i.className.split(' ')[1])")
    assert sorted(statuses) == ["done", "done", "duplicate", "rejected"]
    assert page.locator(".upload-item.rejected .upload-status").inner_text() == (
        "This is not an image Pictura can read. Upload JPEG, PNG, GIF, WebP, BMP or HEIC files."
    )
    assert page.locator("progress").evaluate_all("bars => bars.every(b => b.value === 100)")
    assert "2 uploaded" in page.locator("[data-upload-summary]").inner_text()
    assert Photo.objects.count() == 2
    assert {t for p in Photo.objects.all() for t in p.photo_tags.values_list("tag__name", flat=True)} == {"holiday", "sea"}
