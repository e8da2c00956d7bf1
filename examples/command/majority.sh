#!/usr/bin/env bash
# The majority class, in shell and awk alone: a `data_format = "csv"` command candidate.
# Reads $TRADEOFF_JOB_DIR/train.csv (row_id, features..., label) and test.csv (row_id,
# features...), writes predictions.csv (row_id,class), marks its phases on the
# descriptor in $TRADEOFF_MARKS_FD, and serves single rows in predict-one mode.
set -euo pipefail
dir="$TRADEOFF_JOB_DIR"
model="$dir/model/majority.txt"

if [ "$TRADEOFF_MODE" = "predict-one" ]; then
    class="$(cat "$model")"
    echo ready
    while IFS= read -r _row; do echo "$class"; done
    exit 0
fi

echo "fit start" >&"$TRADEOFF_MARKS_FD"
awk -F, 'NR > 1 { n[$NF]++ } END { best = -1; for (c in n) if (n[c] > best || (n[c] == best && c + 0 < pick + 0)) { best = n[c]; pick = c } print pick }' \
    "$dir/train.csv" > "$model"
echo "fit end" >&"$TRADEOFF_MARKS_FD"
class="$(cat "$model")"
echo "predict start" >&"$TRADEOFF_MARKS_FD"
awk -F, -v class="$class" 'NR == 1 { print "row_id,class"; next } { print $1 "," class }' \
    "$dir/test.csv" > "$dir/predictions.csv"
echo "predict end" >&"$TRADEOFF_MARKS_FD"
echo "model $model" >&"$TRADEOFF_MARKS_FD"
