#!/usr/bin/env bash
# Builds the tiny twins' training corpus from text every machine of this project already has,
# so that anyone can rebuild it byte for byte on the same machine image:
#   prose      data/corpus/shakespeare.txt (public-domain plays, the tinyshakespeare selection)
#   code       Java sources of java.base from the JDK's lib/src.zip (sorted paths, first N bytes)
#   techprose  English documentation installed under /usr/share/doc (README/*.md/*.txt/*.rst,
#              changelogs and copyright files left out; sorted paths, first N bytes)
# Each domain is split into a training part (first 90%) and a held-out part (last 10%), cut at a
# line boundary. Output: build/corpus/{prose,code,techprose}.{train,heldout}.txt and a manifest
# with sizes and sha256 sums.
# Usage: scripts/build-corpus.sh [OUT_DIR] [BYTES_PER_DOMAIN]
set -euo pipefail
LC_ALL=C
export LC_ALL

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/build/corpus}"
limit="${2:-1200000}"
prose_file="${MOESIM_PROSE:-$root/data/corpus/shakespeare.txt}"

find_src_zip() {
  local home
  for home in "${JAVA_HOME:-}" /usr/lib/jvm/*; do
    [ -n "$home" ] && [ -f "$home/lib/src.zip" ] && grep -q 'JAVA_VERSION="2[5-9]' "$home/release" 2>/dev/null \
      && { printf '%s\n' "$home/lib/src.zip"; return 0; }
  done
  return 1
}

mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# prose
prose="$prose_file"
[ -f "$prose" ] || { echo "build-corpus: $prose not found (set MOESIM_PROSE)" >&2; exit 2; }
head -c "$limit" "$prose" > "$tmp/prose.txt"

# code
src_zip=$(find_src_zip) || { echo "build-corpus: no JDK 25 lib/src.zip found" >&2; exit 2; }
unzip -Z1 "$src_zip" | grep '^java.base/java/.*\.java$' | sort > "$tmp/code.list"
: > "$tmp/code.txt"
while IFS= read -r entry; do
  unzip -p "$src_zip" "$entry" >> "$tmp/code.txt"
  [ "$(stat -c %s "$tmp/code.txt")" -ge "$limit" ] && break
done < "$tmp/code.list"
head -c "$limit" "$tmp/code.txt" > "$tmp/code.cut" && mv "$tmp/code.cut" "$tmp/code.txt"

# technical prose
find /usr/share/doc -type f \( -iname 'README*' -o -name '*.md' -o -name '*.md.gz' -o -name '*.txt' \
     -o -name '*.txt.gz' -o -name '*.rst' -o -name '*.rst.gz' \) \
     ! -iname '*changelog*' ! -iname '*copyright*' ! -iname '*news*' ! -iname '*license*' | sort > "$tmp/doc.list"
: > "$tmp/techprose.txt"
while IFS= read -r path; do
  case "$path" in
    *.gz) zcat -- "$path" 2>/dev/null | tr -d '\000' >> "$tmp/techprose.txt" || true ;;
    *) tr -d '\000' < "$path" >> "$tmp/techprose.txt" ;;
  esac
  printf '\n' >> "$tmp/techprose.txt"
  [ "$(stat -c %s "$tmp/techprose.txt")" -ge "$limit" ] && break
done < "$tmp/doc.list"
head -c "$limit" "$tmp/techprose.txt" > "$tmp/tp.cut" && mv "$tmp/tp.cut" "$tmp/techprose.txt"

# split 90/10 at a line boundary
: > "$tmp/manifest"
for domain in prose code techprose; do
  file="$tmp/$domain.txt"
  size=$(stat -c %s "$file")
  cut_at=$(( size * 9 / 10 ))
  line=$(head -c "$cut_at" "$file" | wc -l)
  head -n "$line" "$file" > "$out/$domain.train.txt"
  tail -n +"$((line + 1))" "$file" > "$out/$domain.heldout.txt"
  for part in train heldout; do
    f="$out/$domain.$part.txt"
    printf '%s %s %s\n' "$domain.$part.txt" "$(stat -c %s "$f")" "$(sha256sum "$f" | cut -c1-16)" >> "$tmp/manifest"
  done
done
mv "$tmp/manifest" "$out/MANIFEST"
cat "$out/MANIFEST"
