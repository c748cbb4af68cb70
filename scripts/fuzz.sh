#!/usr/bin/env bash
# Runs the cargo-fuzz targets of fuzz/ for SECONDS each, two at a time, at the lowest CPU priority,
# and prints one line per target: run time, executions, findings.
#   scripts/fuzz.sh SECONDS [TARGET...]     (default: every target; `make fuzz` calls this)
# libFuzzer coverage without a sanitizer (`-s none`): the stable rustc has none. New corpus
# entries go to fuzz/corpus/TARGET (not committed), starting from fuzz/seeds/TARGET and
# fuzz/regressions/TARGET; a crash is saved in fuzz/artifacts/TARGET/, the log beside it. Copy a
# crash into fuzz/regressions/TARGET/ once fixed: `cargo test -p agents --test fuzz_corpus`
# replays it from then on.
set -euo pipefail
secs=${1:?usage: scripts/fuzz.sh SECONDS [TARGET...]}
shift
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(checkpoint_loader config png_label camvid_list tb_reader)
fi
cd "$(dirname "$0")/../fuzz"
if ! command -v cargo-fuzz >/dev/null; then
    cargo install cargo-fuzz --locked
fi
nice -n 19 cargo fuzz build -s none -a

run_one() {
    local t=$1
    mkdir -p "corpus/$t" "artifacts/$t" "regressions/$t"
    local log="artifacts/$t/fuzz.log"
    local start=$SECONDS
    nice -n 19 cargo fuzz run -s none -a "$t" "corpus/$t" "seeds/$t" "regressions/$t" -- \
        -max_total_time="$secs" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 >"$log" 2>&1 || true
    local execs findings
    execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{print $2}' || true)
    findings=$(find "artifacts/$t" -type f ! -name fuzz.log | wc -l)
    echo "$t: $((SECONDS - start)) s, ${execs:-?} executions, corpus $(find "corpus/$t" -type f | wc -l) inputs, $findings finding(s) in fuzz/artifacts/$t"
}

i=0
while [ $i -lt ${#targets[@]} ]; do
    run_one "${targets[$i]}" &
    if [ $((i + 1)) -lt ${#targets[@]} ]; then
        run_one "${targets[$((i + 1))]}" &
    fi
    wait
    i=$((i + 2))
done
