#!/usr/bin/env bash
# Fetches the Multi30k task-1 raw files (German-English: train, val, test_2016_flickr) from the
# dataset's GitHub repository, checks their sha256 and places them, still gzipped, in
# data/multi30k/ where configs/multi30k.ini reads them. The data is not shipped with minitrans:
# its terms are non-commercial research and education.
#   scripts/fetch_multi30k.sh               download (needs the network)
#   scripts/fetch_multi30k.sh --from DIR    take the .gz files from DIR (e.g. a clone of the repository's data/task1/raw)
#   scripts/fetch_multi30k.sh --dest DIR    place them in DIR instead of data/multi30k
set -euo pipefail
cd "$(dirname "$0")/.."
source_dir="" dest="data/multi30k"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --from) source_dir="$2"; shift 2 ;;
    --dest) dest="$2"; shift 2 ;;
    *) echo "fetch_multi30k: unknown option $1 (use --from DIR, --dest DIR)" >&2; exit 2 ;;
  esac
done
url="https://raw.githubusercontent.com/multi30k/dataset/master/data/task1/raw"
# sha256 of the files at the repository's master branch (commit a3d2e0d, read 2026-12-02).
declare -A sha256=(
  [train.de.gz]=726e39b2fa9eb9ffb6dc763fb35a179f80fae06ffc5d28b6ace5faa883de28a6
  [train.en.gz]=d79cfa999dd4c51d2cb42499b6796d5a882c3a8a961923c25a898c90f8bbd56f
  [val.de.gz]=f0cba2f995189cf5770f29a8a9a537a3ad3f51657ad873405082ff6863a5e75a
  [val.en.gz]=14f7d25ddd868909a9213e361768460edcacdd6ab9d1e77b92560dc10c10dc28
  [test_2016_flickr.de.gz]=9204244e408ccb38d2a55cfcd344df15005fc42a07a6e55ca6c52b6ababb8cc8
  [test_2016_flickr.en.gz]=611d361c6334bc7246101d48097c13cf5c4413c5befc793cc629934359d532d9
)
mkdir -p "$dest"
for name in train.de.gz train.en.gz val.de.gz val.en.gz test_2016_flickr.de.gz test_2016_flickr.en.gz; do
  tmp="$dest/.$name.part"
  if [[ -n "$source_dir" ]]; then
    cp "$source_dir/$name" "$tmp"
  else
    command -v curl > /dev/null || { echo "fetch_multi30k: curl is missing (apt-get install curl), or use --from DIR" >&2; exit 1; }
    curl -fsSL --retry 3 -o "$tmp" "$url/$name"
  fi
  got=$(sha256sum "$tmp" | cut -d' ' -f1)
  if [[ "$got" != "${sha256[$name]}" ]]; then
    rm -f "$tmp"
    echo "fetch_multi30k: $name has sha256 $got, expected ${sha256[$name]}: not placed" >&2
    exit 1
  fi
  mv "$tmp" "$dest/$name"
  echo "fetch_multi30k: $dest/$name ok"
done
