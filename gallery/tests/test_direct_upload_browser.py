"""The upload page sending a large file straight to S3 (SeaweedFS) in Chromium: the connection to
the bucket breaks in the middle of a part, and the upload goes on from the parts already there
to a checked, ingested photo."""
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


def test_a_large_upload_survives_a_broken_connection_and_goes_on_from_its_parts(site_on_s3, owner, live_site, owner_page, tmp_path):
    data = make_image(size=(2400, 1600)) + bytes(2 * PART_SIZE + 4321)  # three parts
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
    assert {number: len(urls) for number, urls in sent.items()} == {"1": 1, "2": 1, "3": 1}
    assert list(DirectUpload.objects.values_list("state", flat=True)) == ["done"]
    assert site_on_s3.keys("uploads/") == []
    assert page.locator(".upload-item.done a").get_attribute("href") == photo.get_absolute_url()
