#!/usr/bin/env bash
# A full disk and an unwritable run directory: training must stop with one clear line naming
# the step, the file and the reason, leave no temporary files, and keep the last checkpoint
# loadable and resumable. The disk is a small tmpfs in a private mount namespace (unshare), so
# the device really answers "No space left on device"; where no namespace can be made, that
# case is skipped and a file-size limit (ulimit -f, "File too large") stands in for it; the
# script then exits 77, which ctest reports as skipped.
#   disk_full.sh MINITRANS_BINARY SOURCE_DIR
set -uo pipefail
bin=$(realpath "$1") root=$(realpath "$2")

fail() { echo "FAILED: $*"; exit 1; }

# The last stderr line of a failed run must be the error, and must name each given text.
expect_error() {  # LOG TEXT...
  local log=$1 last
  shift
  last=$(tail -n 1 "$log")
  [[ $last == "minitrans: error: "* ]] || { cat "$log"; fail "the last line is not the error: $last"; }
  for text in "$@"; do
    [[ $last == *"$text"* ]] || fail "the error does not name '$text': $last"
  done
  echo "  ok: $last"
}

# The run at $1 still holds the step-$2 checkpoint, nothing half-written, and it translates.
expect_kept() {  # RUN STEP
  local leftovers
  leftovers=$(find "$1" -name '*.tmp.*')
  [[ -z $leftovers ]] || fail "temporary files left behind: $leftovers"
  grep -aq "\"step\":\"$2\"" "$1/model.safetensors" || fail "model.safetensors is no longer the step-$2 checkpoint"
  echo "the dog sees a cat" | "$bin" translate --checkpoint "$1" > /dev/null || fail "the kept checkpoint does not load"
}

# Run the whole script in a private mount namespace where one can be made, so that it may
# mount its own small disk; the mount disappears with the namespace.
if [[ -z ${MINITRANS_IN_NAMESPACE:-} ]]; then
  namespace=(unshare -m)
  [[ $(id -u) -ne 0 ]] && namespace=(unshare -rm)
  if "${namespace[@]}" true 2> /dev/null; then
    MINITRANS_IN_NAMESPACE=1 exec "${namespace[@]}" "$0" "$@"
  fi
  echo "(no private mount namespace here: the tmpfs cases will be skipped)"
fi

T=$(mktemp -d)
trap 'umount "$T/disk" 2> /dev/null; rm -rf "$T"' EXIT
config=(--model.d_model=32 --model.heads=2 --model.encoder_layers=1 --model.decoder_layers=1 --model.ff_dim=64 --model.max_positions=40
        --data.train_src="$root/data/toy/valid.src" --data.train_tgt="$root/data/toy/valid.tgt"
        --data.max_len=32 --data.max_tokens=256 --optim.warmup=10 --train.valid_every=10
        --train.log_every=1000 --train.max_steps=10)
"$bin" train "${config[@]}" --train.run_dir="$T/good" > "$T/log" 2>&1 || { cat "$T/log"; fail "the first run failed"; }

echo "a file-size limit (ulimit -f 32): the step-20 checkpoint cannot be written"
cp -a "$T/good" "$T/limited"
(trap '' XFSZ; ulimit -f 32; exec "$bin" train --resume "$T/limited" --train.max_steps=20) > "$T/log" 2>&1 &&
  fail "training past a file-size limit succeeded"
expect_error "$T/log" "step 20" "File too large" "the checkpoint of step 10 in $T/limited is kept"
expect_kept "$T/limited" 10
"$bin" train --resume "$T/limited" --train.max_steps=20 > "$T/log" 2>&1 || { cat "$T/log"; fail "no resume after the limit"; }
grep -q "trained 10 steps (to step 20)" "$T/log" || fail "the resumed run did not reach step 20"
echo "  ok: resumed to step 20 without the limit"

echo "a run directory under a regular file"
: > "$T/plain_file"
"$bin" train "${config[@]}" --train.run_dir="$T/plain_file/run" > "$T/log" 2>&1 && fail "training into a file succeeded"
expect_error "$T/log" "$T/plain_file/run" "cannot create the run directory"

mkdir "$T/disk"
if [[ -z ${MINITRANS_IN_NAMESPACE:-} ]] ||
   ! mount -t tmpfs -o size=$(( $(du -sk "$T/good" | cut -f1) + 16 ))k minitrans_disk "$T/disk" 2> "$T/mount_err"; then
  echo "skipped the full-disk and read-only cases: no tmpfs can be mounted here (the cases above passed)"
  exit 77  # ctest: SKIP_RETURN_CODE, so a run that could not check a full disk does not show as passed
fi

echo "a full disk (a tmpfs the size of the run plus 16 KiB): the step-20 checkpoint does not fit"
cp -a "$T/good" "$T/disk/run"
"$bin" train --resume "$T/disk/run" --train.max_steps=20 > "$T/log" 2>&1 && fail "training on a full disk succeeded"
expect_error "$T/log" "step 20" "No space left on device" "the checkpoint of step 10 in $T/disk/run is kept"
expect_kept "$T/disk/run" 10
mount -o remount,size=64m "$T/disk"
"$bin" train --resume "$T/disk/run" --train.max_steps=20 > "$T/log" 2>&1 || { cat "$T/log"; fail "no resume once space was freed"; }
grep -q "trained 10 steps (to step 20)" "$T/log" || fail "the resumed run did not reach step 20"
echo "  ok: resumed to step 20 once space was freed"

echo "a read-only file system: resuming there, and a fresh run there"
cp -a "$T/good" "$T/disk/ro_run"
mount -o remount,ro "$T/disk"
"$bin" train --resume "$T/disk/ro_run" --train.max_steps=20 > "$T/log" 2>&1 && fail "resuming on a read-only disk succeeded"
expect_error "$T/log" "$T/disk/ro_run/.lock" "Read-only file system"
expect_kept "$T/disk/ro_run" 10
"$bin" train "${config[@]}" --train.run_dir="$T/disk/fresh" > "$T/log" 2>&1 && fail "a fresh run on a read-only disk succeeded"
expect_error "$T/log" "$T/disk/fresh" "Read-only file system"
echo "all full-disk and unwritable-directory cases behaved"
