#!/usr/bin/python3
"""Writes the toy translation task: data/toy/{train,valid,test}.{src,tgt}.

A small English-like source language and an invented target language whose translation needs
attention, not word-by-word lookup:
  - reordering: the target is subject-object-verb (the source is subject-verb-object), adverbs
    move to the front, prepositions become postpositions, and adjectives follow their noun in
    reverse order;
  - agreement: target determiners and adjectives agree with their noun's gender and number,
    and the verb agrees with the subject's number.
Lengths run from 3 to 14 words; about sixty words a side. The test split holds only
subject/object noun pairs that never occur together in training or validation.
Deterministic: the same seed writes the same files. Run: python3 tools/gen_toy.py
"""
import os
import random

SEED = 2026
SIZES = {"train": 12000, "valid": 500, "test": 1000}
OUT = os.path.join(os.path.dirname(__file__), "..", "data", "toy")

# noun: (singular, plural, target singular, target plural, gender)
NOUNS = [("dog", "dogs", "kano", "kanos", "m"), ("cat", "cats", "mira", "miras", "f"),
         ("bird", "birds", "tesi", "tesis", "f"), ("horse", "horses", "belo", "belos", "m"),
         ("fox", "foxes", "vulpa", "vulpas", "f"), ("girl", "girls", "nina", "ninas", "f"),
         ("boy", "boys", "nino", "ninos", "m"), ("teacher", "teachers", "doto", "dotos", "m"),
         ("farmer", "farmers", "kampa", "kampas", "f"), ("king", "kings", "reko", "rekos", "m"),
         ("queen", "queens", "rena", "renas", "f"), ("child", "children", "pupo", "pupos", "m")]
# adjective: (source, target stem); the target adds o / a / i / e for m / f / m-plural / f-plural
ADJECTIVES = [("big", "grand"), ("small", "pik"), ("red", "ros"), ("old", "vek"), ("young", "jun"),
              ("happy", "fel"), ("quick", "rap"), ("lazy", "pigr")]
# transitive verb: (source singular, source plural, target singular, target plural)
VERBS = [("sees", "see", "vide", "viden"), ("likes", "like", "ama", "aman"), ("chases", "chase", "kasa", "kasan"),
         ("follows", "follow", "segi", "segin"), ("helps", "help", "aju", "ajun"), ("finds", "find", "trova", "trovan")]
INTRANSITIVE = [("sleeps", "sleep", "dormi", "dormin"), ("runs", "run", "kuri", "kurin")]
PLACES = [("house", "kasa", "f"), ("tree", "arbo", "m"), ("river", "fluma", "f"), ("barn", "stalo", "m")]
PREPOSITIONS = [("near", "presso"), ("behind", "dopo"), ("with", "kon")]
ADVERBS = [("today", "oje"), ("often", "spes"), ("never", "mai")]
DEFINITE = {("m", False): "lo", ("f", False): "la", ("m", True): "li", ("f", True): "le"}
INDEFINITE = {("m", False): "un", ("f", False): "una", ("m", True): "alkuni", ("f", True): "alkune"}
SUFFIX = {("m", False): "o", ("f", False): "a", ("m", True): "i", ("f", True): "e"}


def noun_phrase(rng, noun, plural, max_adjectives=2):
    """Source and target words of a determiner, adjectives and a noun."""
    sg, pl, tsg, tpl, gender = noun
    definite = rng.random() < 0.6
    det_src = "the" if definite else ("some" if plural else "a")
    det_tgt = (DEFINITE if definite else INDEFINITE)[(gender, plural)]
    adjectives = rng.sample(ADJECTIVES, rng.randint(0, max_adjectives))
    src = [det_src] + [a for a, _ in adjectives] + [pl if plural else sg]
    tgt = [det_tgt, tpl if plural else tsg] + [stem + SUFFIX[(gender, plural)] for _, stem in reversed(adjectives)]
    return src, tgt


def sentence(rng, subject, obj):
    """One pair; obj is None for an intransitive sentence."""
    subject_plural = rng.random() < 0.4
    subj_src, subj_tgt = noun_phrase(rng, subject, subject_plural)
    verb = rng.choice(VERBS if obj else INTRANSITIVE)
    src = subj_src + [verb[1] if subject_plural else verb[0]]
    tgt = list(subj_tgt)
    if obj:
        obj_src, obj_tgt = noun_phrase(rng, obj, rng.random() < 0.4)
        src += obj_src
        tgt += obj_tgt
    if rng.random() < 0.4:  # a prepositional phrase becomes a postpositional one
        place, target_place, gender = rng.choice(PLACES)
        prep, post = rng.choice(PREPOSITIONS)
        adjective = rng.sample(ADJECTIVES, rng.randint(0, 1))
        src += [prep, "the"] + [a for a, _ in adjective] + [place]
        tgt += [DEFINITE[(gender, False)], target_place] + [s + SUFFIX[(gender, False)] for _, s in adjective] + [post]
    tgt.append(verb[3] if subject_plural else verb[2])
    if rng.random() < 0.25:  # an adverb moves to the front
        adverb, target_adverb = rng.choice(ADVERBS)
        src.append(adverb)
        tgt.insert(0, target_adverb)
    return " ".join(src), " ".join(tgt)


def main():
    rng = random.Random(SEED)
    pairs = [(s, o) for s in range(len(NOUNS)) for o in range(len(NOUNS))]
    rng.shuffle(pairs)
    held_out = set(pairs[: len(pairs) // 7])  # subject/object pairs seen only in the test split
    seen = set()
    splits = {name: [] for name in SIZES}
    for name in ["test", "valid", "train"]:
        while len(splits[name]) < SIZES[name]:
            if name == "test":
                s, o = rng.choice(sorted(held_out))
                obj = NOUNS[o]
            else:
                s = rng.randrange(len(NOUNS))
                obj = None
                if rng.random() < 0.85:
                    o = rng.randrange(len(NOUNS))
                    if (s, o) in held_out:
                        continue
                    obj = NOUNS[o]
            pair = sentence(rng, NOUNS[s], obj)
            if pair[0] in seen:
                continue
            seen.add(pair[0])
            splits[name].append(pair)
    os.makedirs(OUT, exist_ok=True)
    for name, items in splits.items():
        for side, index in (("src", 0), ("tgt", 1)):
            with open(os.path.join(OUT, f"{name}.{side}"), "w") as f:
                f.write("".join(pair[index] + "\n" for pair in items))
    print(f"wrote {', '.join(f'{n} {len(v)}' for n, v in splits.items())} pairs to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
