"""What one upload can cost: CPU seconds to check (and to render) hostile and ordinary files.

For each file: the CPU that `inspect_image` spends (the web process plus its bounded decoding
child), and, for files that pass, what making the renditions costs (in production that is a
Celery worker's time; with no broker, the web process's). Prints a table for the README.

    .venv/bin/python bench/hostile_uploads.py
"""
import io
import resource
import struct
import zlib

from throwaway import setup_throwaway_django


def cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def jpeg(size, *, progressive=False, noise=True) -> bytes:
    from PIL import Image

    image = Image.merge("RGB", [Image.effect_noise(size, 30)] * 3) if noise else Image.new("RGB", size, (120, 140, 160))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90, progressive=progressive)
    return buffer.getvalue()


def scan_bomb(size, scans) -> bytes:
    data = jpeg(size, progressive=True, noise=False)
    last_scan, end = data.rindex(b"\xff\xda"), data.rindex(b"\xff\xd9")
    return data[:end] + data[last_scan:end] * (scans - 10) + data[end:]


def png_flat(width, height) -> bytes:
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    squeeze = zlib.compressobj(9)
    row = b"\x00" + b"\x80" * (width * 3)
    pixels = b"".join(squeeze.compress(row) for _ in range(height)) + squeeze.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def animated_gif(frames, size) -> bytes:
    from PIL import Image

    images = [Image.new("RGB", size, (i % 256, 0, 0)) for i in range(frames)]
    buffer = io.BytesIO()
    images[0].save(buffer, "GIF", save_all=True, append_images=images[1:])
    return buffer.getvalue()


def main():
    setup_throwaway_django()
    from django.conf import settings

    from gallery.imaging import ImageRejected, inspect_image, render_renditions

    cases = [
        ("12 MP camera JPEG", jpeg((4000, 3000))),
        ("12 MP progressive JPEG", jpeg((4000, 3000), progressive=True)),
        ("100 MP baseline JPEG", jpeg((10000, 10000), noise=False)),
        ("100 MP progressive, 20 scans (the cap)", scan_bomb((10000, 10000), 20)),
        ("scan bomb: 100 MP, 3,000 scans", scan_bomb((10000, 10000), 3000)),
        ("4 MP progressive, 300 scans (the cap)", scan_bomb((2000, 2000), 300)),
        ("PNG, 90 MP of one colour", png_flat(10000, 9000)),
        ("animated GIF, 400 frames of 500×500", animated_gif(400, (500, 500))),
    ]
    print(f"limits: {settings.PICTURA_DECODE_CPU_SECONDS} s CPU, {settings.PICTURA_DECODE_MEMORY_MB} MB, "
          f"{settings.PICTURA_MAX_MEGAPIXELS} MP, {settings.PICTURA_MAX_UPLOAD_MB} MB")
    print(f"{'file':42} {'size':>9}  {'check CPU s':>11}  {'renditions CPU s':>16}  outcome")
    for name, data in cases:
        before = cpu_seconds()
        try:
            inspect_image(io.BytesIO(data), size=len(data))
            outcome = "accepted"
        except ImageRejected as exc:
            outcome = f"refused: {str(exc)[:60]}"
        checked = cpu_seconds() - before
        rendered = ""
        if outcome == "accepted":
            before = cpu_seconds()
            render_renditions(io.BytesIO(data))
            rendered = f"{cpu_seconds() - before:.2f}"
        print(f"{name:42} {len(data) / 1e6:7.2f} MB  {checked:11.2f}  {rendered:>16}  {outcome}")


if __name__ == "__main__":
    main()
