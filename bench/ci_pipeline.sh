#!/bin/bash
# Time the example CI pipelines' sitegen steps on a typical commit: one procedure edited since
# the last build of main, whose cache and output/ are there (as a CI cache restores them).
#
#   bash bench/ci_pipeline.sh CORPUS WORK KIND [CODE]
#
# CORPUS: a sitegen corpus (e.g. /tmp/bench-work/corpus/sitegen/10000, see BENCHMARKS.md);
# WORK: a scratch folder (replaced); KIND: main | merge-request | merge-request-uncached (the
# merge-request job before session 9: a build with --no-cache); CODE: a sitegen checkout to run
# (PYTHONPATH), default the installed one. --strict is left out: the benchmark corpus has warnings.
# The builds make the search index, as the pipelines do; NO_SEARCH=1 adds --no-search to them
# (session 9's figures were made so).
set -u
CORPUS=$1; WORK=$2; KIND=$3; CODE=${4:-}
SEARCH=""; [ "${NO_SEARCH:-}" = 1 ] && SEARCH="--no-search"
sg() { if [ -n "$CODE" ]; then PYTHONPATH=$CODE python3 -m sitegen "$@"; else python3 -m sitegen "$@"; fi; }
DATE="--build-date 2026-11-27"
rm -rf "$WORK" && cp -r "$CORPUS" "$WORK" && cd "$WORK" || exit 1
sg build $DATE $SEARCH --cache-dir .sitegen-cache --output output > /dev/null 2>&1  # main's last build
printf '\n本次提交的修改。\n' >> "$(ls content/procedures/*.md | sort | sed -n 5001p)"
step() {
    local start end
    start=$(date +%s.%N); sg "$@" > /dev/null 2>&1; local code=$?; end=$(date +%s.%N)
    printf '  %7.2f s  exit %d  sitegen %s\n' "$(echo "$end - $start" | bc)" "$code" "$*"
}
begin=$(date +%s.%N)
case $KIND in
  main)
    step build $DATE $SEARCH --cache-dir .sitegen-cache
    step check $DATE --output output ;;
  merge-request|merge-request-uncached)
    step check $DATE --format gitlab
    step check $DATE
    # the merge request's build serves the link check alone: no search index (since session 10)
    if [ "$KIND" = merge-request ]; then step build $DATE --no-search --cache-dir .sitegen-cache --output output
    else step build $DATE $SEARCH --no-cache --output output; fi
    step check $DATE --output output ;;
  *) echo "KIND: main | merge-request | merge-request-uncached" >&2; exit 2 ;;
esac
printf '  %7.2f s  the pipeline\n' "$(echo "$(date +%s.%N) - $begin" | bc)"
