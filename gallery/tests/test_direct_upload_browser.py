"""The upload page sending large files straight to S3 (SeaweedFS) in Chromium: when the connection
to the bucket breaks in the middle of a part, or the tab is closed, the upload goes on from the
parts already there to a checked, ingested photo."""
import re

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from playwright.sync_api import expect

from gallery.direct_uploads import PART_SIZE
from gallery.models import DirectUpload, Photo
from pictura.testing.images import make_image

pytestmark = [pytest.mark.browser, pytest.mark.s3, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site_on_s3(s3_storage, process_env, owner):
    """The live site started after this runs production's settings with its files in the test's
    bucket, which lets pages of any origin upload to it (the production bucket names the site's
    origin). The owner's password is hashed as production hashes them."""
    process_env.update(s3_storage.environ())
    owner.password = PBKDF2PasswordHasher().encode("correct horse 42", PBKDF2PasswordHasher().salt())
    owner.save(update_fields=["password"])
    s3_storage.client().put_bucket_cors(Bucket=s3_storage.bucket, CORSConfiguration={"CORSRules": [
        {"AllowedOrigins": ["*"], "AllowedMethods": ["PUT", "GET"], "AllowedHeaders": ["*"], "ExposeHeaders": ["ETag"]}]})
    return s3_storage


def test_a_large_upload_survives_a_broken_connection_and_goes_on_from_its_parts(site_on_s3, owner, live_site,
                                                                               owner_page, tmp_path):
    data = make_image(size=(2400, 1600)) + bytes(60 * 1024 * 1024)  # 60 MB: eight parts
    big = tmp_path / "harbour.jpg"
    big.write_bytes(data)
    page = owner_page
    sent = {}  # part number -> PUTs that reached the bucket
    dropped = []

    def drop_the_second_part_three_times(route):
        if len(dropped) < 3:
            dropped.append(route.request.url)
            route.abort("connectionreset")  # the connection to the bucket breaks mid-upload
        else:
            route.continue_()

    page.route(re.compile(r".*/uploads/.*partNumber=2.*"), drop_the_second_part_three_times)
    page.on("requestfinished", lambda request: request.method == "PUT" and sent.setdefault(
        re.search(r"partNumber=(\d+)", request.url).group(1), []).append(request.url))
    page.goto(f"{live_site}/upload/")
    page.set_input_files("input[type=file]", [str(big)])
    page.click("[data-upload-submit]")
    expect(page.locator(".upload-item.done")).to_have_count(1, timeout=60_000)
    assert len(dropped) == 3
    photo = Photo.objects.get(owner=owner)
    with photo.original.open("rb") as original:
        assert original.read() == data
    # Only the broken part was sent again; the others stayed in the bucket, in one upload.
    assert {number: len(urls) for number, urls in sent.items()} == {str(n): 1 for n in range(1, 9)}
    assert list(DirectUpload.objects.values_list("state", flat=True)) == ["done"]
    assert site_on_s3.keys("uploads/") == []
    assert page.locator(".upload-item.done a").get_attribute("href") == photo.get_absolute_url()


def test_a_page_closed_mid_upload_goes_on_from_its_parts_when_opened_again(site_on_s3, owner, live_site, owner_page,
                                                                         tmp_path):
    data = make_image(size=(2000, 1500), color=(20, 60, 200)) + bytes(3 * PART_SIZE)  # four parts
    big = tmp_path / "lighthouse.jpg"
    big.write_bytes(data)
    # One browser profile with two tabs over time (what the browser keeps is per profile).
    context = owner_page.context.browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{live_site}/accounts/login/")
    page.fill("#id_username", owner.username)
    page.fill("#id_password", "correct horse 42")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_site}/")
    sent = []

    def hold_the_last_part(route):
        route.abort("connectionreset") if "partNumber=4" in route.request.url else route.continue_()

    page.route(re.compile(r".*/uploads/.*partNumber=.*"), hold_the_last_part)
    page.on("requestfinished", lambda request: request.method == "PUT" and sent.append(
        re.search(r"partNumber=(\d+)", request.url).group(1)))
    page.goto(f"{live_site}/upload/")
    page.set_input_files("input[type=file]", [str(big)])
    page.click("[data-upload-submit]")
    expect(page.locator(".upload-item")).to_contain_text("Uploading", timeout=30_000)
    page.wait_for_timeout(3000)  # parts 1-3 are in the bucket; 4 keeps failing
    assert sorted(sent) == ["1", "2", "3"]

    again = context.new_page()
    page.close()  # the tab is closed mid-upload
    again.on("requestfinished", lambda request: request.method == "PUT" and sent.append(
        re.search(r"partNumber=(\d+)", request.url).group(1)))
    again.goto(f"{live_site}/upload/")
    expect(again.locator(".upload-item")).to_contain_text("lighthouse.jpg", timeout=10_000)
    again.click("[data-upload-submit]")
    expect(again.locator(".upload-item.done")).to_have_count(1, timeout=60_000)
    assert sorted(sent) == ["1", "2", "3", "4"]  # only the missing part was sent
    with Photo.objects.get(owner=owner).original.open("rb") as original:
        assert original.read() == data
