"""Tagging throughput: the local tagger in-process, then a reindex through Celery workers.

0. The classifier alone, through PyTorch and through onnxruntime (what the tagger uses).
1. Photos per second for the local tagger (EfficientNet-Lite0 labels, faces, unsafe score) on
   preview-sized JPEGs of scikit-image's samples (one in five shows a face), with
   PICTURA_LOCAL_TAGGER_THREADS threads (default 1): faces only counted (face recognition off),
   then described too (on). Then on the photos of ../shared/faces/ (a face or more each):
   photos per second and faces described per second.
2. `manage.py reindex --all --async` into Redis, drained by one `celery worker` with 2 worker
   processes, against a throw-away PostgreSQL database, for a user with face recognition on
   (faces described, cropped, stored and grouped): photos per second from queueing to the
   last photo done. Needs PostgreSQL and Redis (BENCH_DATABASE_ADMIN_URL, BENCH_REDIS_URL;
   the defaults are the local ones `make test` uses); skipped with a note if they do not answer.

    .venv/bin/python bench/tagging.py [--count 40]
"""
import argparse
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def sample_previews(count: int) -> list[bytes]:
    """Preview-sized JPEGs of scikit-image's sample photos (a cat, coffee, an astronaut...)."""
    from PIL import Image
    from skimage import data

    sources = [data.chelsea(), data.coffee(), data.astronaut(), data.rocket(), data.cat()]
    previews = []
    for i in range(count):
        image = Image.fromarray(sources[i % len(sources)]).convert("RGB").resize((1600, 1200))
        # Distinct files, the same pictures: the count in binary, as black and white squares
        # along the top edge (JPEG keeps those apart, unlike single pixels or close colours).
        for bit in range(12):
            colour = (255, 255, 255) if i >> bit & 1 else (0, 0, 0)
            image.paste(colour, (bit * 16, 0, bit * 16 + 16, 16))
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=85)
        previews.append(buffer.getvalue())
    return previews


def face_previews(count: int) -> list[bytes]:
    """The photos of ../shared/faces/ as previews (at most 1600 px), over and over."""
    from PIL import Image, ImageOps

    paths = sorted((ROOT.parent / "shared" / "faces").glob("*/*.jpg"))
    previews = []
    for i in range(count if paths else 0):
        image = ImageOps.exif_transpose(Image.open(paths[i % len(paths)])).convert("RGB")
        image.thumbnail((1600, 1600))
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=85)
        previews.append(buffer.getvalue())
    return previews


def classifier_ms(runs: int = 50) -> tuple[float, float]:
    """Milliseconds per 224 × 224 image of EfficientNet-Lite0 through PyTorch and through
    onnxruntime (the tagger's), one thread each."""
    from pathlib import Path

    import numpy as np
    import torch
    from django.conf import settings
    from efficientnet_lite_pytorch import EfficientNet

    from analysis.taggers.classifier import ImageNetClassifier, weights_path

    torch.set_num_threads(1)
    model = EfficientNet.from_pretrained("efficientnet-lite0", weights_path=str(weights_path())).eval()
    onnx = ImageNetClassifier(Path(settings.PICTURA_MODEL_CACHE_DIR), threads=1)
    pixels = np.random.default_rng(1).normal(size=(3, 224, 224)).astype(np.float32)
    timings = []
    for run in (lambda: model(torch.from_numpy(pixels[None])), lambda: onnx.probabilities(pixels)):
        with torch.inference_mode():
            run()
            started = time.perf_counter()
            for _ in range(runs):
                run()
        timings.append((time.perf_counter() - started) / runs * 1000)
    return timings[0], timings[1]


def local_tagger_rate(previews: list[bytes], *, recognise_faces: bool) -> tuple[float, float]:
    """(photos per second, faces per second) of the local tagger on these previews."""
    from analysis.taggers import get_tagger

    tagger = get_tagger("local")
    tagger.analyse_bytes(previews[0], recognise_faces=True)  # warm up: lazy initialisation
    started = time.perf_counter()
    faces = sum(len(tagger.analyse_bytes(data, recognise_faces=recognise_faces).faces) for data in previews)
    elapsed = time.perf_counter() - started
    return len(previews) / elapsed, faces / elapsed


def celery_reindex_rate(previews: list[bytes], admin_url: str, redis_url: str) -> str:
    import psycopg
    import redis

    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=2).ping()
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as connection:
            connection.execute("DROP DATABASE IF EXISTS pictura_bench")
            connection.execute("CREATE DATABASE pictura_bench")
    except Exception as exc:  # noqa: BLE001 - any failure means the servers are not there
        return f"skipped: PostgreSQL or Redis did not answer ({exc.__class__.__name__})"
    work = Path(tempfile.mkdtemp(prefix="pictura-bench-"))
    queue = f"pictura-bench-{os.getpid()}"
    env = {
        **os.environ,
        "DATABASE_URL": admin_url.rsplit("/", 1)[0] + "/pictura_bench",
        "PICTURA_MEDIA_ROOT": str(work / "media"),
        "PICTURA_ANALYSE_UPLOADS": "false",
        "PICTURA_CELERY_QUEUE": queue,
    }
    env.pop("REDIS_URL", None)
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    (work / "photos").mkdir()
    for i, data in enumerate(previews):
        (work / "photos" / f"{i}.jpg").write_bytes(data)
    ingest = (
        "import sys; from pathlib import Path; from django.core.files import File; "
        "from django.contrib.auth import get_user_model; from gallery.services import photo_ingest; "
        "u = get_user_model().objects.create_user('bench', 'b@example.org', 'bench-password-1'); "
        "[photo_ingest(owner=u, upload=File(p.open('rb'), name=p.name)) for p in sorted(Path(sys.argv[1]).iterdir())]"
    )
    subprocess.run(
        [python, "-c", f"import django; django.setup(); {ingest}", str(work / "photos")],
        cwd=ROOT, env={**env, "DJANGO_SETTINGS_MODULE": "pictura.settings"}, check=True,
    )
    # Two processes on two cores: one thread each, or they fight over the cores.
    worker_env = {**env, "REDIS_URL": redis_url, "PICTURA_LOCAL_TAGGER_THREADS": "1"}
    worker = subprocess.Popen(
        [python, "-m", "celery", "-A", "pictura", "worker", "--concurrency=2", "--without-gossip",
         "--without-mingle", "--loglevel=WARNING", f"--logfile={work / 'worker.log'}"],
        cwd=ROOT, env=worker_env,
    )
    try:
        time.sleep(8)  # let the worker processes load the models before the clock starts
        started = time.perf_counter()
        subprocess.run([python, "manage.py", "reindex", "--all", "--async"], cwd=ROOT, env=worker_env,
                       check=True, stdout=subprocess.DEVNULL)
        with psycopg.connect(env["DATABASE_URL"]) as connection:
            while True:
                done = connection.execute(
                    "SELECT count(*) FROM analysis_photoanalysis WHERE state IN ('done', 'failed')"
                ).fetchone()[0]
                connection.commit()
                if done >= len(previews):
                    break
                if time.perf_counter() - started > 600:
                    return f"gave up after 600 s with {done} of {len(previews)} done"
                time.sleep(0.1)
        elapsed = time.perf_counter() - started
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    return f"{len(previews) / elapsed:6.2f} photos/s ({len(previews)} photos in {elapsed:.1f} s)"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=40)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pictura.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    previews = sample_previews(args.count)
    through_torch, through_onnx = classifier_ms()
    print(f"classifier (EfficientNet-Lite0), 1 thread: PyTorch {through_torch:5.1f} ms, onnxruntime {through_onnx:5.1f} ms")
    counted, _ = local_tagger_rate(previews, recognise_faces=False)
    described, _ = local_tagger_rate(previews, recognise_faces=True)
    print(f"local tagger, in-process, faces counted:   {counted:6.2f} photos/s (1600×1200 previews)")
    print(f"local tagger, in-process, faces described: {described:6.2f} photos/s")
    if faces := face_previews(args.count):
        photo_rate, face_rate = local_tagger_rate(faces, recognise_faces=True)
        print(f"the same on photos of faces (../shared/faces): {photo_rate:6.2f} photos/s, {face_rate:6.2f} faces/s described")
    admin_url = os.environ.get("BENCH_DATABASE_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    print(f"reindex through Celery (2 proc), faces on: {celery_reindex_rate(previews, admin_url, redis_url)}")


if __name__ == "__main__":
    main()
