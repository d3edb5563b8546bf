"""Files delivered through CloudFront: the owner is redirected to a URL signed with the
distribution's key pair, whose signature and policy check out with the public key."""
import base64
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.urls import reverse

from pictura.storage import s3_client_config
from pictura.testing.factories import photo_row

pytestmark = pytest.mark.django_db

DISTRIBUTION = "d111111abcdef8.cloudfront.net"
KEY_ID = "K2JCJMDEHXQW5F"


@pytest.fixture
def signing_key(settings):
    """Django's default storage as production sets it with AWS_CLOUDFRONT_*: the bucket behind
    CloudFront, URLs signed with a key pair made here. Returns the public key."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption())
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"bucket_name": "photos", "region_name": "eu-west-1", "access_key": "unused", "secret_key": "unused",
                    "client_config": s3_client_config(addressing_style=None),
                    "querystring_expire": settings.PICTURA_PRESIGNED_URL_SECONDS,
                    "custom_domain": DISTRIBUTION, "cloudfront_key_id": KEY_ID, "cloudfront_key": pem},
    }}
    return private.public_key()


def verified(location: str, public_key) -> dict:
    """The query of a CloudFront signed URL (canned policy), after checking its signature."""
    url = urlsplit(location)
    query = parse_qs(url.query)
    signed_part = location[: location.index("Expires=") - 1]  # the URL before the signing parameters
    expires = int(query["Expires"][0])
    # The canned policy CloudFront rebuilds from the URL and Expires, byte for byte.
    condition = '{"DateLessThan":{"AWS:EpochTime":' + str(expires) + "}}"
    policy = '{"Statement":[{"Resource":"' + signed_part + '","Condition":' + condition + "}]}"
    signature = base64.b64decode(query["Signature"][0].translate(str.maketrans("-_~", "+=/")))
    public_key.verify(signature, policy.encode(), padding.PKCS1v15(), hashes.SHA1())  # raises if forged
    assert query["Key-Pair-Id"] == [KEY_ID]
    return {"url": url, "query": query, "expires": expires}


def test_downloads_and_renditions_redirect_to_signed_cloudfront_urls(signing_key, owner_client, stranger_client,
                                                                      owner, settings):
    photo = photo_row(owner, original_filename="Tram 28.jpg", thumbnail=f"renditions/{owner.pk}/x/thumbnail-1.jpg")

    response = owner_client.get(reverse("gallery:photo_original", args=[photo.pk]))
    assert response.status_code == 302
    signed = verified(response["Location"], signing_key)
    assert (signed["url"].scheme, signed["url"].netloc, signed["url"].path) == ("https", DISTRIBUTION, f"/{photo.original.name}")
    assert signed["query"]["response-content-disposition"] == ['attachment; filename="Tram 28.jpg"']
    assert 0 < signed["expires"] - time.time() <= settings.PICTURA_PRESIGNED_URL_SECONDS + 5

    thumbnail = owner_client.get(reverse("gallery:photo_thumbnail", args=[photo.pk]))
    assert urlsplit(verified(thumbnail["Location"], signing_key)["url"].geturl()).path == f"/{photo.thumbnail.name}"
    assert stranger_client.get(reverse("gallery:photo_original", args=[photo.pk])).status_code == 404


def test_a_tampered_url_fails_the_check(signing_key, owner_client, owner):
    from cryptography.exceptions import InvalidSignature

    photo = photo_row(owner)
    location = owner_client.get(reverse("gallery:photo_original", args=[photo.pk]))["Location"]
    other = location.replace(photo.original.name, "photos/999/someone-else.jpg")
    with pytest.raises(InvalidSignature):
        verified(other, signing_key)
