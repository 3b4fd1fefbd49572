"""bench/RESULTS.md is shared by several benches: each owns one section between its own markers."""
import os


def write_section(path, begin, end, section):
    """Replaces the text from `begin` through `end` (and the newline after it) in the file at `path`
    by `section`, which starts with `begin` and ends with `end`; appends it when the markers are
    absent. Everything outside the markers is kept as it is."""
    text = open(path).read() if os.path.exists(path) else ""
    if begin in text and end in text:
        text = text[:text.index(begin)] + section + text[text.index(end) + len(end) + 1:]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    with open(path, "w") as f:
        f.write(text)
