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

    # The same file twice in one batch is refused at once; the rest wait for "Upload".
    assert page.locator(".upload-item.queued").count() == 3
    assert page.locator("[data-upload-submit]").inner_text() == "Upload 3 photos"
    # A preview for each: the browser types files by their names; the server judges the bytes.
    assert page.locator(".upload-item.queued img").count() == 3
    page.fill("#id_tags", "holiday, sea")
    page.click("[data-upload-submit]")
    # (A locator, not wait_for_function: the page's Content-Security-Policy forbids eval.)
    expect(page.locator(".upload-item.queued, .upload-item.uploading")).to_have_count(0, timeout=60_000)

    statuses = page.locator(".upload-item").evaluate_all("items => items.map(i => i.className.split(' ')[1])")
    assert sorted(statuses) == ["done", "done", "rejected", "rejected"]
    refusals = page.locator(".upload-item.rejected .upload-status").all_inner_texts()
    assert "This is not an image Pictura can read. Upload JPEG, PNG, GIF, WebP, BMP or HEIC files." in refusals
    assert any("duplicate" in text for text in refusals)  # the same file twice in one batch
    assert page.locator("progress").evaluate_all("bars => bars.every(b => b.value === 100)")
    assert "2 uploaded" in page.locator("[data-upload-summary]").inner_text()

    # Chosen again in another batch: the server knows it.
    page.set_input_files("input[type=file]", [str(good)])
    page.click("[data-upload-submit]")
    expect(page.locator(".upload-item.duplicate")).to_have_count(1, timeout=30_000)
    assert Photo.objects.count() == 2
    assert {t for p in Photo.objects.all() for t in p.photo_tags.values_list("tag__name", flat=True)} == {"holiday", "sea"}
