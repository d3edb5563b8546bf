"""What Pictura's tests share, importable from any test module.

- ``images``: images drawn with Pillow (``make_image``, ``camera_exif``), uploads, and the real
  camera files of ../shared/photos;
- ``factories``: database rows without the image pipeline (``photo_row``), files in storage;
- ``servers``: real servers on loopback (SeaweedFS for S3, an SMTP server) and their helpers.

The fixtures that use them (users, clients, servers, a worker, a browser) are in the root
``conftest.py``, so pytest finds them everywhere.
"""
