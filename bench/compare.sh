#!/bin/sh
# Compares edict's decisions at several commits, on the same machine at the
# same time: each commit's benchmark is built in a worktree of its own, then
# each is run ROUNDS times in turn (so that a slow minute of a shared machine
# falls on all of them), and the median of its runs' figures is printed.
#
#   bench/compare.sh [--sizes 10,100000] [--rounds 3] COMMIT...
#
# Prints one markdown row a commit: median and p99 decision latency at each
# size. Run from anywhere in the repository; needs only cargo.
set -eu

sizes=10,100000
rounds=3
while [ $# -gt 0 ]; do
	case "$1" in
	--sizes) sizes=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || { echo "usage: bench/compare.sh [--sizes A,B] [--rounds N] COMMIT..." >&2; exit 2; }

root=$(git rev-parse --show-toplevel)
work=$(mktemp -d)
trap 'for d in "$work"/tree-*; do git -C "$root" worktree remove --force "$d" 2>/dev/null || true; done; rm -rf "$work"' EXIT

for commit in "$@"; do
	short=$(git -C "$root" rev-parse --short "$commit")
	git -C "$root" worktree add --detach "$work/tree-$short" "$commit" >/dev/null 2>&1
	echo "building $short..." >&2
	(cd "$work/tree-$short/bench" &&
		CARGO_TARGET_DIR="$work/target-$short" cargo build --release --no-default-features --quiet)
done

sizes_list=$(echo "$sizes" | tr ',' ' ')
for round in $(seq "$rounds"); do
	for commit in "$@"; do
		short=$(git -C "$root" rev-parse --short "$commit")
		for size in $sizes_list; do
			echo "round $round: $short at $size rules" >&2
			"$work/target-$short/release/edict-bench" one edict "$size" 100000 5 |
				sed -n 's/.*"median_ns":\([0-9]*\).*"p99_ns":\([0-9]*\).*/\1 \2/p' \
					>>"$work/runs-$short-$size"
		done
	done
done

printf '| commit |'
for size in $sizes_list; do printf ' median at %s | p99 at %s |' "$size" "$size"; done
printf '\n|---|'
for size in $sizes_list; do printf -- '---:|---:|'; done
printf '\n'
for commit in "$@"; do
	short=$(git -C "$root" rev-parse --short "$commit")
	printf '| %s |' "$short"
	for size in $sizes_list; do
		# the middle run of each figure
		median=$(cut -d' ' -f1 "$work/runs-$short-$size" | sort -n | sed -n "$(((rounds + 1) / 2))p")
		p99=$(cut -d' ' -f2 "$work/runs-$short-$size" | sort -n | sed -n "$(((rounds + 1) / 2))p")
		printf ' %s ns | %s ns |' "$median" "$p99"
	done
	printf '\n'
done
