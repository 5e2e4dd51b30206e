#!/usr/bin/env bash
# Use as a library: install the build into a scratch prefix, build the tutorial's example as
# an out-of-tree project with find_package(minitrans), and run it for a few steps.
#   install_example.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(realpath "$1") root=$(realpath "$2")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cmake --install "$build" --prefix "$T/prefix" > "$T/install.log"
cmake -S "$root/examples/swiglu" -B "$T/example" -DCMAKE_PREFIX_PATH="$T/prefix" -DCMAKE_BUILD_TYPE=Release > "$T/configure.log" ||
  { cat "$T/configure.log"; exit 1; }
cmake --build "$T/example" -j2 > "$T/build.log" 2>&1 || { cat "$T/build.log"; exit 1; }
toy=$root/data/toy
"$T/example/swiglu_example" "$root/configs/toy.ini" --train.run_dir="$T/run" --train.max_steps=150 \
  --optim.warmup=10 --data.train_src="$toy/train.src" --data.train_tgt="$toy/train.tgt" \
  --data.valid_src="$toy/valid.src" --data.valid_tgt="$toy/valid.tgt" --data.test_src="$toy/test.src" \
  --data.test_tgt="$toy/test.tgt" 2> "$T/train.log" || { cat "$T/train.log"; exit 1; }
echo "installed $(find "$T/prefix" -name '*.h' | wc -l) headers and $(find "$T/prefix" -name '*.a' | wc -l) libraries;" \
     "the example built out of tree with find_package(minitrans) and ran"
