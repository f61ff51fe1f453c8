#!/usr/bin/env bash
# Whole-process benchmark: tokens/s and peak RSS of `newstag tag` on a
# news-like JSONL corpus, for each number of jobs. Prints a Markdown table.
#
#   scripts/bench.sh                       # default engine, 12 MB corpus, jobs 1 and 2
#   JOBS="1 2" MB=12 scripts/bench.sh
#   ENGINE=transformer MB=0.3 CARGO_FLAGS="--features transformers" scripts/bench.sh
#   NEWSTAG=path/to/newstag scripts/bench.sh   # skip the build
#
# Needs /usr/bin/time (GNU time, for peak RSS) and, to build the corpus,
# python3 and ../shared (CoNLL-2003 train and the seed articles).
# "tokens/s per core" is tokens over CPU time (user + system), which stays
# meaningful on a busy machine; "tokens/s" is over wall-clock time.
set -euo pipefail
cd "$(dirname "$0")/.."

ENGINE=${ENGINE:-embedded}
MB=${MB:-12}
JOBS=${JOBS:-"1 2"}
EXTRA=${EXTRA:-}
CORPUS=${CORPUS:-target/corpus/news-${MB}mb.jsonl}

if [[ -z "${NEWSTAG:-}" ]]; then
  cargo build --release --quiet ${CARGO_FLAGS:-}
  NEWSTAG=target/release/newstag
fi
[[ -f "$CORPUS" ]] || scripts/make-corpus --mb "$MB" --out "$CORPUS"
[[ -x /usr/bin/time ]] || { echo "bench.sh: /usr/bin/time (GNU time) is needed for peak RSS" >&2; exit 2; }

bytes=$(stat -c %s "$CORPUS")
echo "# newstag $("$NEWSTAG" --version | cut -d' ' -f2), engine $ENGINE, $CORPUS ($bytes bytes), $(nproc) cores, $(date -u +%FT%TZ)"
echo
echo "| engine | jobs | documents | tokens | wall s | CPU s | tokens/s | tokens/s per core | peak RSS MB |"
echo "|---|---|---|---|---|---|---|---|---|"
for jobs in $JOBS; do
  log=$(mktemp)
  /usr/bin/time -v "$NEWSTAG" tag "$CORPUS" -o /dev/null --engine "$ENGINE" --jobs "$jobs" $EXTRA 2>"$log" || {
    status=$?; [[ $status -eq 1 ]] || { cat "$log" >&2; exit $status; }; }
  summary=$(grep '^newstag: .* documents' "$log")
  docs=$(sed -E 's/^newstag: ([0-9]+) documents.*/\1/' <<<"$summary")
  tokens=$(sed -E 's/.* ([0-9]+) tokens,.*/\1/' <<<"$summary")
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$log")
  cpu=$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {print u+s}' "$log")
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$log")
  awk -v e="$ENGINE" -v j="$jobs" -v d="$docs" -v t="$tokens" -v w="$wall" -v c="$cpu" -v r="$rss" \
    'BEGIN {printf "| %s | %d | %d | %d | %.2f | %.2f | %.0f | %.0f | %s |\n", e, j, d, t, w, c, t/w, t/c, r}'
  rm -f "$log"
done
