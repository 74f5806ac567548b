#!/usr/bin/env bash
# Seeds the fuzz corpora from policies/, the test fixtures and the shared examples.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus/check corpus/fmt corpus/query
for f in $(find ../policies ../tests/fixtures -name '*.policy'); do
  n=$(echo "$f" | tr '/.' '__')
  cp "$f" "corpus/check/$n"
  cp "$f" "corpus/fmt/$n"
done
i=0
# query seeds: a first byte of 0 is the text form, 1 the JSON form
while IFS= read -r q; do
  printf '\0%s' "$q" > "corpus/query/t$i"; i=$((i + 1))
done < <(grep -rhoE '^(#> |  expect (allow|deny) +)(.*)' ../tests/fixtures ../policies | sed -E 's/^(#> |  expect (allow|deny) +)//')
for f in ../../shared/examples/*/queries.jsonl; do
  while IFS= read -r q; do
    printf '\1%s' "$q" > "corpus/query/j$i"; i=$((i + 1))
  done < "$f"
done
