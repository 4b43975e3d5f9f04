#!/usr/bin/env python3
"""Reading grade of every letter: Flesch-Kincaid grade, sentence lengths.

Renders each letter kind of the rule book in English from the built-in sample
(`victim-comms render --sample --letter KIND [--variant NAME]`) and measures its
prose the way tests/support/plain_english.h does: from the salutation ("Dear ...")
to the sign-off ("Yours sincerely,"), so the letterhead, date, address and
signature are left out; every line is a block (a paragraph, a heading, a list
item without its marker); a block splits after ".", "!" or "?" followed by a
space; a word is a run of non-spaces with a letter or digit in it.

Flesch-Kincaid grade = 0.39 * words/sentences + 11.8 * syllables/words - 15.59.
Syllables are counted by a common rule of thumb (vowel groups, a silent final
"e" dropped, at least one a word); numbers, postcodes and web addresses count
as one syllable each. It is an estimate, good for comparing versions of the
same letters, not an exact reading age (grade + 5 is roughly the reading age).

Usage: scripts/reading_grade.py [--binary build/victim-comms] [--config FILE]...
       [--variant NAME] [--markdown]
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def letter_kinds():
    kinds = set()
    for path in glob.glob(os.path.join(ROOT, "config", "rules", "*.json")):
        with open(path, encoding="utf-8") as f:
            for rule in json.load(f)["rules"]:
                if rule.get("kind") in ("letter", "meeting") and rule.get("recipient") == "victim" and rule.get("template"):
                    kinds.add(rule["template"])
    return sorted(kinds)


def prose_blocks(text, salutation="Dear ", signoff="Yours sincerely,"):
    blocks, inside = [], False
    for line in text.split("\n"):
        if not inside:
            inside = line.startswith(salutation)
            continue
        if line.startswith(signoff):
            break
        if not line or set(line) <= set("=-"):
            continue
        if line.startswith("- "):
            line = line[2:]
        line = re.sub(r"^\d+\. ", "", line)
        blocks.append(line)
    return blocks


def sentences(block):
    return [s for s in re.split(r"(?<=[.!?]) +", block) if s.strip()]


def words(sentence):
    return [w for w in sentence.split() if re.search(r"[0-9A-Za-z\u0080-\uffff]", w)]


def syllables(word):
    w = word.lower()
    if re.search(r"\d|www\.|@|\.uk|\.org", w):
        return 1
    w = re.sub(r"[^a-z]", "", w)
    if not w:
        return 1
    groups = re.findall(r"[aeiouy]+", w)
    n = len(groups)
    if w.endswith("e") and not w.endswith(("le", "ee", "ye")) and n > 1:
        n -= 1
    return max(1, n)


def measure(text):
    all_sentences = [s for b in prose_blocks(text) for s in sentences(b)]
    counts = [len(words(s)) for s in all_sentences]
    all_words = [w for s in all_sentences for w in words(s)]
    n_s, n_w = len(all_sentences), len(all_words)
    syl = sum(syllables(w) for w in all_words)
    grade = 0.39 * n_w / n_s + 11.8 * syl / n_w - 15.59 if n_s and n_w else 0.0
    return {"sentences": n_s, "words": n_w, "longest": max(counts, default=0),
            "average": n_w / n_s if n_s else 0.0, "grade": grade}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--binary", default=os.path.join(ROOT, "build", "victim-comms"))
    p.add_argument("--config", action="append", default=[])
    p.add_argument("--variant", default="")
    p.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = p.parse_args()
    rows = []
    for kind in letter_kinds():
        cmd = [args.binary, "render", "--sample", "--letter", kind, "--lang", "en"]
        for c in args.config:
            cmd += ["--config", c]
        if args.variant:
            cmd += ["--variant", args.variant]
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"{' '.join(cmd)}: {out.stderr.strip()}")
        rows.append((kind, measure(out.stdout)))
    if args.markdown:
        print("| letter | sentences | words | longest sentence | words per sentence | Flesch-Kincaid grade |")
        print("|---|---|---|---|---|---|")
        for kind, m in rows:
            print(f"| `{kind}` | {m['sentences']} | {m['words']} | {m['longest']} | {m['average']:.1f} | {m['grade']:.1f} |")
    else:
        print(f"{'letter':28} {'sent':>5} {'words':>6} {'longest':>8} {'w/sent':>7} {'FK':>5}")
        for kind, m in rows:
            print(f"{kind:28} {m['sentences']:5} {m['words']:6} {m['longest']:8} {m['average']:7.1f} {m['grade']:5.1f}")
    worst = max(m["longest"] for _, m in rows)
    mean = sum(m["grade"] for _, m in rows) / len(rows)
    print(f"\nlongest sentence in any letter: {worst} words; mean Flesch-Kincaid grade: {mean:.1f}")


if __name__ == "__main__":
    main()
