#!/usr/bin/env bash
# Runs every benchmark script (benchmarks/[!_]*.py) in its --quick mode, so none can rot.
# Each writes its report, raw results and cache into a temporary directory, never into
# benchmarks/results/: the run fails if any script fails or if anything under
# benchmarks/results/ (ignored cache files included) was added, changed or removed.
# Prints the seconds each script took; a --quick mode should take seconds, at most a
# minute on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/.."

out="$(mktemp -d)"
snapshot() {  # every file under benchmarks/results/ with its checksum, ignored ones too
    find benchmarks/results -type f -print0 | sort -z | xargs -0 -r sha256sum
}
before="$(snapshot)"
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}"

has() { grep -qE "^ +$1( |,|\$)" <<<"$usage"; }  # an option line of the script's --help

failed=()
total_start=$SECONDS
for script in benchmarks/[!_]*.py; do
    name="$(basename "$script" .py)"
    options=(--quick)
    usage="$(python "$script" --help)"  # the options the script has decide where it writes
    if has --output; then options+=(--output "$out/$name.md"); fi
    if has --out; then options+=(--out "$out/$name.json"); fi
    if has --cache-dir; then options+=(--cache-dir "$out/cache-$name"); fi
    start=$SECONDS
    if python "$script" "${options[@]}" >"$out/$name.log" 2>&1; then
        echo "ok     $((SECONDS - start)) s  python $script ${options[*]}"
    else
        echo "FAILED $((SECONDS - start)) s  python $script ${options[*]}; its last lines:"
        tail -n 20 "$out/$name.log"
        failed+=("$name")
    fi
done
echo "quick benchmarks: $((SECONDS - total_start)) s in all"

if [[ "$(snapshot)" != "$before" ]]; then
    echo "FAILED: a quick benchmark wrote into benchmarks/results/:"
    diff <(echo "$before") <(snapshot) || true
    exit 1
fi
if ((${#failed[@]})); then
    echo "FAILED quick benchmarks: ${failed[*]}"
    exit 1
fi
rm -rf "$out"
