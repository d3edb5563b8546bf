"""Serving stored files to the people allowed to see them, and keeping a forked process off
its parent's storage connections."""
from django.conf import settings
from django.core.files.storage import storages
from django.http import FileResponse, HttpResponseRedirect
from django.utils.http import content_disposition_header
from storages.backends.s3 import S3Storage


def stored_file_response(stored, *, download_name: str | None = None, content_type=None):
    """A response that delivers ``stored`` (a FieldFile) to a user already checked to own it.

    On S3 the bucket is private: the browser is redirected to a short-lived presigned URL, so
    the bytes never pass through the web process. On local disk the file is streamed from here.
    """
    max_age = settings.PICTURA_PRESIGNED_URL_SECONDS // 2
    if isinstance(stored.storage, S3Storage):
        parameters = {}
        if download_name:
            # boto3 names S3's override so for presigned URLs; through CloudFront (a custom
            # domain) it is S3's own query parameter, which the distribution passes on.
            name = "response-content-disposition" if stored.storage.custom_domain else "ResponseContentDisposition"
            parameters[name] = content_disposition_header(True, download_name)
        response = HttpResponseRedirect(stored.storage.url(stored.name, parameters=parameters))
    else:
        response = FileResponse(
            stored.open("rb"),
            as_attachment=bool(download_name),
            filename=download_name or "",
            content_type=content_type,
        )
    # Private: only this user's browser may keep it, and not past the presigned URL's life.
    response["Cache-Control"] = f"private, max-age={max_age}"
    return response


def forget_parent_storage_connections() -> None:
    """Run in each forked child (an import's workers, Celery's pool): an S3 client's sockets
    then belong to the parent and to every other child too, and two processes talking over one
    connection garble each other's requests. The storage makes new ones when next used."""
    storage = storages["default"]
    if isinstance(storage, S3Storage):
        # django-storages drops its connections from the state it pickles, and makes new ones
        # when that state is restored: the same here, without the round trip through bytes.
        storage.__setstate__(storage.__getstate__())
