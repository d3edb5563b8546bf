"""How good the local tagger's tags are, on real photos labelled by a person.

Each photo of bench/data/tag_quality.csv is made into a preview as an upload is (orientation
applied, at most 1600 px, JPEG) and tagged. Its three most confident tags are then judged against
the tags the person accepted for it:

- plausible: at least one of the three was accepted;
- absurd: at least one of the three was neither accepted nor one of GENERIC (words true of most
  photos): "prison" on a street, "animal" on a leaf;
- person recall: of the photos showing someone, the share with a face found;
- person false alarms: of the photos showing nobody, the share with a face found.

It also prints the tags page such a library would have (its 30 most used tags, each with the
number of photos it is wrong on). The figures are printed for the whole set, for its even rows (the half looked at while choosing
the vocabulary) and its odd rows (held out: never looked at). --list prints every photo's tags.

    .venv/bin/python bench/tag_quality.py [--list]
"""
import argparse
import csv
import io
import os
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data" / "tag_quality.csv"
SHARED = Path(os.environ.get("PICTURA_SHARED", ROOT.parent / "shared"))
GENERIC = {"outdoor", "indoor", "close-up", "texture", "pattern"}


@dataclass
class Judged:
    photo: str
    top: list[str]
    plausible: bool
    absurd: list[str]
    shows_people: bool
    faces: int
    tags: list[str]  # every tag, as the tags page counts them
    wrong: list[str]  # every tag neither accepted nor generic


def labelled_photos() -> list[tuple[str, bool, set[str]]]:
    with DATA.open(encoding="utf-8") as rows:
        lines = [line for line in rows if not line.startswith("#")]
    return [(row["photo"], row["people"] == "1", set(row["plausible"].split(";"))) for row in csv.DictReader(lines)]


def preview_of(reference: str) -> bytes:
    """The photo as the tagger sees it: its preview."""
    import pillow_heif
    from PIL import Image, ImageOps

    pillow_heif.register_heif_opener()
    kind, name = reference.split(":", 1)
    if kind == "shared":
        image = ImageOps.exif_transpose(Image.open(SHARED / name))
    else:
        from skimage import data

        pixels = getattr(data, name)()
        image = Image.fromarray(pixels[0] if isinstance(pixels, tuple) else pixels)  # stereo pairs: the left
    image = image.convert("RGB")
    image.thumbnail((1600, 1600))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def judge(tagger, reference: str, shows_people: bool, accepted: set[str]) -> Judged:
    result = tagger.analyse_bytes(preview_of(reference))
    tags = [label.name.lower() for label in result.labels]
    wrong = [tag for tag in tags if tag not in accepted and tag not in GENERIC]
    top = tags[:3]
    return Judged(
        reference, top, any(tag in accepted for tag in top), [tag for tag in top if tag in wrong],
        shows_people, result.people_count or 0, tags, wrong,
    )


def tags_page(judged: list[Judged], most: int = 30) -> list[str]:
    """The tags page of a library of these photos: the most used tags, each with the number of
    photos it is wrong on."""
    used, wrong = Counter(), Counter()
    for j in judged:
        used.update(j.tags)
        wrong.update(j.wrong)
    return [
        f"{tag} {count}" + (f" (wrong on {wrong[tag]})" if wrong[tag] else "")
        for tag, count in sorted(used.items(), key=lambda item: (-item[1], item[0]))[:most]
    ]


def figures(judged: list[Judged]) -> str:
    with_people = [j for j in judged if j.shows_people]
    without = [j for j in judged if not j.shows_people]

    def share(part, whole):
        return f"{100 * len(part) / len(whole):5.1f} %" if whole else "    –"

    return (
        f"{len(judged):3d} photos: plausible top 3 {share([j for j in judged if j.plausible], judged)}, "
        f"absurd in top 3 {share([j for j in judged if j.absurd], judged)}, "
        f"person recall {share([j for j in with_people if j.faces], with_people)}, "
        f"person false alarms {share([j for j in without if j.faces], without)}"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="print each photo's top tags and verdict")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pictura.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from analysis.taggers import get_tagger

    tagger = get_tagger("local")
    judged = [judge(tagger, *row) for row in labelled_photos()]
    if args.list:
        for j in judged:
            verdict = "absurd: " + ", ".join(j.absurd) if j.absurd else ("ok" if j.plausible else "not plausible")
            print(f"{j.photo:48s} {', '.join(j.top):50s} faces {j.faces}  {verdict}")
    page = tags_page(judged)
    print(f"tags page, the {len(page)} most used:", ", ".join(page))
    print("tags page, most used wrong somewhere:", sum("wrong on" in entry for entry in page), "of", len(page))
    print("all     ", figures(judged))
    print("even    ", figures(judged[0::2]))
    print("held out", figures(judged[1::2]))


if __name__ == "__main__":
    main()
