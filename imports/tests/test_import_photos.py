"""`manage.py import_photos`: folders, archives, Google Takeout and S3 prefixes, through the
upload's own checks; resumable; a summary and a report of every file not imported."""
import io
import json
import os
import re
import signal
import subprocess
import sys
import tarfile
import time
import uuid
import zipfile
from datetime import UTC, datetime
from hashlib import sha256
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from PIL import Image

from albums.models import Album
from analysis.models import PhotoTag
from gallery.models import Library, Photo
from imports.models import ImportItem, ImportRun
from imports.services import import_files, import_run_for
from pictura.testing.factories import files_under
from pictura.testing.images import camera_exif, make_image

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def reports_elsewhere(tmp_path_factory, monkeypatch):
    """The command writes its report in the current folder: a folder of the test's own."""
    monkeypatch.chdir(tmp_path_factory.mktemp("reports"))


def jpeg(n: int, **exif) -> bytes:
    return make_image(size=(800, 600), color=(n * 30 % 256, 90, 200 - n), exif=camera_exif(**exif) if exif else None)


def write(root, files: dict) -> None:
    for path, data in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(data)


def counted(said: str, label: str) -> int:
    """A figure of the command's summary ("  imported     3  (19.4 KB)")."""
    return int(re.search(rf"^  {label}\s+(\d+)", said, re.MULTILINE).group(1))


def run_command(source, user="olivia", **options):
    out = io.StringIO()
    call_command("import_photos", str(source), user=user, stdout=out, verbosity=0, **options)
    return out.getvalue()


@pytest.mark.django_db(transaction=True)  # real commits: what each one leaves for the sweeper
def test_a_folder_is_imported_recursively_with_refusals_and_duplicates_reported(owner, tmp_path, media_root):
    write(tmp_path / "library", {
        "2019/a.jpg": jpeg(1), "2019/summer/b.jpg": jpeg(2), "c.png": make_image("PNG", color=(3, 3, 3)),
        "copy-of-a.jpg": jpeg(1), "notes.txt": b"shopping list", "cut.jpg": jpeg(4)[:-3000], ".DS_Store": b"x",
    })
    report = tmp_path / "report.txt"
    said = run_command(tmp_path / "library", album="Old library", tags="scanned, Family", report=str(report))
    assert counted(said, "imported") == 3 and counted(said, "duplicates") == 1 and counted(said, "refused") == 2
    photos = Photo.objects.filter(owner=owner)
    assert sorted(photos.values_list("original_filename", flat=True)) == ["a.jpg", "b.jpg", "c.png"]
    # JPEGs are ready at once (rendered from the decode that checked them); the PNG's renditions,
    # like tagging, are left to the workers, here `manage.py sweep`.
    assert {p.original_filename for p in photos if p.renditions_ready} == {"a.jpg", "b.jpg"}
    call_command("sweep", stdout=io.StringIO())
    assert all(photo.renditions_ready for photo in Photo.objects.filter(owner=owner))
    album = Album.objects.get(owner=owner, title="Old library")
    assert album.album_photos.count() == 3
    assert set(PhotoTag.objects.filter(photo__owner=owner).values_list("tag__name", flat=True)) == {"scanned", "family"}
    lines = report.read_text().splitlines()
    assert "copy-of-a.jpg\tAlready in the library\tYou have already uploaded this photo." in lines
    assert "cut.jpg\tRefused\tThe image is damaged or incomplete, so it cannot be shown." in lines
    assert any(line.startswith("notes.txt\tRefused\tThis is not an image Pictura can read.") for line in lines)
    assert not any(".DS_Store" in line for line in lines)
    assert Library.of(owner.pk).photos == 3

    again = run_command(tmp_path / "library", report=str(report))  # a finished run: a new one, all known
    assert counted(again, "imported") == 0 and counted(again, "duplicates") == 4


def test_an_interrupted_import_continues_where_it_stopped(owner, tmp_path):
    write(tmp_path, {f"p{n}.jpg": jpeg(n) for n in range(6)})
    run = import_run_for(owner=owner, source=str(tmp_path))
    from imports.runner import import_run

    import_run(run, limit=2)  # then the process was killed
    assert run.items.filter(state="imported").count() == 2 and ImportRun.objects.get().state == "running"
    # Killed just after a photo was stored, before its file was marked: it is found by content.
    third = run.items.filter(state="pending").order_by("path").first()
    import_files(run, [(third, (tmp_path / third.path).read_bytes())])
    ImportItem.objects.filter(pk=third.pk).update(state="pending", photo=None)

    said = run_command(tmp_path)
    assert ImportRun.objects.count() == 1 and ImportRun.objects.get().state == "done"
    assert f"Continuing run {run.pk}: 2 of 6 files done already." in said
    assert run.items.filter(state="imported").count() == 6 and Photo.objects.filter(owner=owner).count() == 6


def test_a_file_whose_import_was_cut_short_leaves_nothing_behind(owner, tmp_path, media_root):
    write(tmp_path, {"stored-not-recorded.jpg": jpeg(1), "recorded-not-marked.jpg": jpeg(2)})
    run = import_run_for(owner=owner, source=str(tmp_path), tags=["kept"])
    first, second = run.items.order_by("-path")
    # Killed after storing the original and a rendition, before the row was saved:
    first.photo_uuid = uuid.uuid4()
    first.save()
    default_storage.save(f"photos/{owner.pk}/{first.photo_uuid}.jpg", ContentFile(jpeg(1)))
    default_storage.save(f"renditions/{owner.pk}/{first.photo_uuid}/thumbnail-1234abcd.jpg", ContentFile(b"half"))
    # Killed after the photo was recorded, before its file was marked (and its tags applied):
    import_files(run, [(second, (tmp_path / second.path).read_bytes())])
    ImportItem.objects.filter(pk=second.pk).update(state="pending", photo=None)
    PhotoTag.objects.filter(photo__owner=owner).delete()

    run_command(tmp_path)
    photos = Photo.objects.filter(owner=owner)
    assert photos.count() == 2 and set(run.items.values_list("state", flat=True)) == {"imported"}
    assert str(first.photo_uuid) not in " ".join(files_under(media_root))
    assert sorted(files_under(media_root)) == sorted(
        name for photo in photos for name in (photo.original.name, photo.thumbnail.name, photo.preview.name))
    assert PhotoTag.objects.filter(photo__owner=owner, tag__name="kept").count() == 2


def noisy_jpeg(n: int) -> bytes:
    """A 5 MP photo that takes the decoder a while, different for each ``n``."""
    picture = Image.merge("RGB", [Image.effect_noise((2600, 1950), 30 + band) for band in range(3)])
    picture.paste((n * 7 % 256, 0, 0), (n * 10, 0, n * 10 + 40, 40))
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def processes_below(pid: int) -> set[int]:
    """The process's descendants now living (a zombie no longer counts)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, waiting = set(), [pid]
    while waiting:
        for child in children.get(waiting.pop(), []):
            found.add(child)
            waiting.append(child)
    return found


def still_alive(pids) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                alive.add(pid)
        except OSError:
            pass
    return alive


@pytest.mark.slow  # a real command process, killed halfway through, then the import resumed
@pytest.mark.django_db(transaction=True)
def test_an_import_killed_with_sigkill_resumes_with_each_photo_once_and_no_orphans(owner, tmp_path, process_env,
                                                                                    media_root):
    write(tmp_path / "library", {f"p{n:02}.jpg": noisy_jpeg(n) for n in range(20)})
    command = [sys.executable, "manage.py", "import_photos", str(tmp_path / "library"), "--user", owner.username,
               "--workers", "2", "--report", str(tmp_path / "report.txt")]
    process = subprocess.Popen(command, cwd=settings.BASE_DIR, env=process_env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while ImportItem.objects.filter(state="imported").count() < 4:
            assert process.poll() is None and time.monotonic() < deadline, "the import ended before it was killed"
            time.sleep(0.05)
        helpers = processes_below(process.pid)  # the pool's processes and their decoders
        assert len(helpers) == 4
        process.send_signal(signal.SIGKILL)
        process.wait()
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while still_alive(helpers):
        assert time.monotonic() < deadline, f"left running after the kill: {still_alive(helpers)}"
        time.sleep(0.1)
    assert ImportItem.objects.filter(state="pending").exists()

    said = run_command(tmp_path / "library")
    assert "Continuing run" in said
    photos = Photo.objects.filter(owner=owner)
    assert photos.count() == 20 and ImportItem.objects.filter(state="imported").count() == 20
    assert sorted(files_under(media_root)) == sorted(
        name for photo in photos for name in (photo.original.name, photo.thumbnail.name, photo.preview.name))
    assert Library.of(owner.pk).photos == 20


@pytest.mark.slow  # the workers are forked processes: they need the rows committed, and a file database
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("packing", ["folder", "zip", "tgz"])  # each worker reads a folder or .zip itself
def test_two_workers_import_as_one_does(owner, tmp_path, packing):
    files = {f"p{n:02}.jpg": jpeg(n) for n in range(20)} | {"same.jpg": jpeg(0)}
    source = {"zip": lambda: as_zip(tmp_path / "photos.zip", files),
              "tgz": lambda: as_tgz(tmp_path / "photos.tgz", files),
              "folder": lambda: write(tmp_path / "photos", files) or tmp_path / "photos"}[packing]()
    said = run_command(source, workers=2)
    assert counted(said, "imported") == 20 and counted(said, "duplicates") == 1
    photos = Photo.objects.filter(owner=owner, renditions_state="ready")
    assert sorted(photo.sha256 for photo in photos) == sorted({sha256(data).hexdigest() for data in files.values()})


def test_a_dry_run_and_bad_arguments_import_nothing(owner, tmp_path):
    write(tmp_path, {"a.jpg": jpeg(1)})
    assert "1 files" in run_command(tmp_path, dry_run=True) and not Photo.objects.exists()
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        run_command(tmp_path, user="nobody")
    with pytest.raises(CommandError, match="no such folder or file"):
        run_command(tmp_path / "missing")


# --- Google Takeout ---------------------------------------------------------------------------


def sidecar(title, taken: datetime | None = None, position=None, description="") -> bytes:
    data = {"title": title, "description": description, "imageViews": "3",
            "creationTime": {"timestamp": "1700000000", "formatted": "Nov 14, 2023"},
            "geoData": {"latitude": 0.0, "longitude": 0.0, "altitude": 0.0}, "url": "https://photos.google.com/x"}
    if taken:
        data["photoTakenTime"] = {"timestamp": str(int(taken.timestamp())), "formatted": "…"}
    if position:
        data["geoDataExif"] = {"latitude": position[0], "longitude": position[1], "altitude": 10.0}
    return json.dumps(data).encode()


LONG = "PXL_20230614_183012345.PORTRAIT.ORIGINAL-HDR-shot.jpg"  # its sidecar's name is cut to 51


def takeout_files() -> dict:
    root = "Takeout/Google Photos"
    rome, beach = jpeg(1), jpeg(2, taken="2020:07:01 10:00:00", gps=(("N", (1.0, 0.0, 0.0)), ("E", (2.0, 0.0, 0.0))))
    return {
        f"{root}/Photos from 2019/IMG_0001.jpg": rome,
        f"{root}/Photos from 2019/IMG_0001.jpg.json": sidecar("IMG_0001.jpg", datetime(2019, 5, 4, 9, 30, tzinfo=UTC),
                                                               (41.8902, 12.4922), "The Colosseum"),
        f"{root}/Trip to Rome/IMG_0001.jpg": rome,  # the same photo, in an album
        f"{root}/Trip to Rome/IMG_0001.jpg.json": sidecar("IMG_0001.jpg", datetime(2019, 5, 4, 9, 30, tzinfo=UTC)),
        f"{root}/Trip to Rome/metadata.json": json.dumps({"title": "Trip to Rome", "description": ""}).encode(),
        f"{root}/Trip to Rome/IMG_0001-edited.jpg": jpeg(3),
        f"{root}/Photos from 2020/beach.jpg": beach,
        f"{root}/Photos from 2020/beach.jpg.supplemental-metadata.json": sidecar(
            "Sunny day", datetime(2011, 1, 1, tzinfo=UTC), (10.0, 10.0)),
        f"{root}/Photos from 2020/{LONG}": jpeg(4),
        f"{root}/Photos from 2020/{LONG[:46]}.json": sidecar(LONG, datetime(2023, 6, 14, 18, 30, tzinfo=UTC)),
        f"{root}/Photos from 2020/IMG_0009(1).jpg": jpeg(5),
        f"{root}/Photos from 2020/IMG_0009.jpg(1).json": sidecar("IMG_0009(1).jpg", datetime(2020, 2, 2, tzinfo=UTC)),
        f"{root}/Photos from 2020/clip.mp4": b"\x00\x00\x00\x18ftypmp42" + bytes(100),
    }


def as_zip(path, files):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def as_tgz(path, files):
    with tarfile.open(path, "w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


@pytest.mark.parametrize("packing", ["zip", "tgz", "folder"])
def test_a_takeout_brings_dates_places_titles_and_albums_from_its_sidecars(owner, tmp_path, packing):
    files = takeout_files()
    source = {"zip": lambda: as_zip(tmp_path / "takeout.zip", files),
              "tgz": lambda: as_tgz(tmp_path / "takeout.tgz", files),
              "folder": lambda: write(tmp_path / "t", files) or tmp_path / "t"}[packing]()
    said = run_command(source)
    assert counted(said, "imported") == 5 and counted(said, "duplicates") == 1 and counted(said, "refused") == 1
    photos = {p.original_filename: p for p in Photo.objects.filter(owner=owner)}
    rome = photos["IMG_0001.jpg"]
    assert rome.taken_at == datetime(2019, 5, 4, 9, 30, tzinfo=UTC)  # the file had no date: the sidecar's
    assert (rome.latitude, rome.longitude) == (41.8902, 12.4922) and rome.description == "The Colosseum"
    assert rome.title == ""  # Takeout's title is the file name: nothing to add
    beach = photos["beach.jpg"]
    assert beach.taken_at == datetime(2020, 7, 1, 10, 0, tzinfo=UTC)  # the file's own date and place win
    assert round(beach.latitude, 3) == 1.0 and beach.title == "Sunny day"
    assert photos[LONG].taken_at == datetime(2023, 6, 14, 18, 30, tzinfo=UTC)  # the cut sidecar name
    assert photos["IMG_0009(1).jpg"].taken_at == datetime(2020, 2, 2, tzinfo=UTC)  # "IMG_0009.jpg(1).json"
    assert "IMG_0001-edited.jpg" in photos  # kept beside its original by default
    [album] = Album.objects.filter(owner=owner)  # "Photos from YYYY" are no albums
    assert album.title == "Trip to Rome"
    assert set(album.album_photos.values_list("photo__original_filename", flat=True)) == {
        "IMG_0001.jpg", "IMG_0001-edited.jpg"}


@pytest.mark.parametrize(("choice", "kept"), [("original", {"IMG_0001.jpg"}), ("edited", {"IMG_0001-edited.jpg"})])
def test_takeouts_edited_copies_are_kept_as_asked(owner, tmp_path, choice, kept):
    files = {name: data for name, data in takeout_files().items() if "Trip to Rome" in name}
    said = run_command(as_zip(tmp_path / "takeout.zip", files | {
        "Takeout/Google Photos/Photos from 2019/x.jpg.json": b"{}"}), edited=choice)
    assert set(Photo.objects.filter(owner=owner).values_list("original_filename", flat=True)) == kept
    assert counted(said, "left out") == 1


@pytest.mark.s3
def test_an_s3_prefix_is_imported_and_picturas_own_keys_are_refused(owner, s3_storage):
    client = s3_storage.client()
    for n in range(3):
        client.put_object(Bucket=s3_storage.bucket, Key=f"incoming/camera/{n}.jpg", Body=jpeg(n))
    said = run_command(f"s3://{s3_storage.bucket}/incoming/")
    assert counted(said, "imported") == 3
    photo = Photo.objects.filter(owner=owner).first()
    assert s3_storage.keys(f"photos/{owner.pk}/") and photo.renditions_ready
    with pytest.raises(CommandError, match="holds Pictura's own files"):
        run_command(f"s3://{s3_storage.bucket}/photos/")
    with pytest.raises(CommandError, match="holds Pictura's own files"):
        run_command(f"s3://{s3_storage.bucket}")


@pytest.mark.s3
@pytest.mark.django_db(transaction=True)  # forked workers: the rows committed
def test_two_workers_import_an_s3_prefix_into_s3_each_with_its_own_connections(owner, s3_storage):
    """The command lists the prefix before it forks its workers; a worker that kept using the
    connections it inherited would share their sockets with the other and garble requests."""
    client = s3_storage.client()
    for n in range(24):
        client.put_object(Bucket=s3_storage.bucket, Key=f"incoming/{n:02}.jpg", Body=jpeg(n))
    said = run_command(f"s3://{s3_storage.bucket}/incoming/", workers=2)
    assert counted(said, "imported") == 24, said
    photos = Photo.objects.filter(owner=owner, renditions_state="ready")
    assert sorted(s3_storage.keys(f"photos/{owner.pk}/")) == sorted(photo.original.name for photo in photos)


@pytest.mark.s3
def test_staff_import_an_s3_prefix_from_the_admin_and_a_task_does_it_in_steps(owner, staff_client, s3_storage,
                                                                              after_commit):
    from django.urls import reverse

    client = s3_storage.client()
    for n in range(4):
        client.put_object(Bucket=s3_storage.bucket, Key=f"for-olivia/{n}.jpg", Body=jpeg(n))
    page = staff_client.get(reverse("admin:imports_importrun_add"))
    assert b"s3://bucket/prefix/" in page.content
    refused = staff_client.post(reverse("admin:imports_importrun_add"),
                                {"owner": owner.pk, "source": "/srv/photos", "edited": "both"})
    assert b"Give an S3 prefix" in refused.content and not ImportRun.objects.exists()
    response = staff_client.post(reverse("admin:imports_importrun_add"), {
        "owner": owner.pk, "source": f"s3://{s3_storage.bucket}/for-olivia/", "album": "From the old server",
        "tags": "", "edited": "both"})
    run = ImportRun.objects.get()
    assert response.status_code == 302 and run.started_by.username == "mod" and run.due_at is not None
    assert run.items.count() == 4 and not Photo.objects.exists()  # listed; the task imports
    with after_commit():
        call_command("sweep", stdout=io.StringIO())  # without a broker, the sweeper runs the steps
    run.refresh_from_db()
    assert run.state == "done" and Photo.objects.filter(owner=owner).count() == 4
    assert Album.objects.get(owner=owner, title="From the old server").photo_count == 4
    detail = staff_client.get(reverse("admin:imports_importrun_change", args=[run.pk])).content.decode()
    assert "4 of 4 files (100%)" in detail and "4 imported" in detail
