#!/usr/bin/env bash
# t0210: the docs describe the present (CONTRIBUTING.md): scripts/lint-docs.sh
# passes on README.md, CONTRIBUTING.md and docs/, and it does catch a clock
# time and a dated run in prose, but not in code.
source "$(dirname "$0")/lib/common.sh"
L=$ROOT/scripts/lint-docs.sh

expect "the docs have no clock times or dated runs" "$L"

cat >"$T/bad.md" <<'DOC'
# A page

Measured at 09:05 UTC on the quiet box.
What each change of 2026-11-27 did.
DOC
"$L" "$T/bad.md" >"$T/out" && fail "lint passed a page with a clock time"
expect_eq "lines reported" 2 "$(wc -l <"$T/out")"
expect "clock time named" grep -q "bad.md:3: clock time" "$T/out"
expect "dated run named" grep -q "bad.md:4: dated run" "$T/out"

cat >"$T/good.md" <<'DOC'
# A page

The daily job runs at `00:40`; ids count from 2020-01-01T00:00:00Z.

```
adlog status at 2026-01-01T05:30:00Z: ok
```
DOC
expect "code spans, fences and timestamps pass" "$L" "$T/good.md"
