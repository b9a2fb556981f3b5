#!/usr/bin/env bash
# lint-docs.sh - docs describe the present: no clock times and no dated runs
# in prose (CONTRIBUTING.md).  Fenced code blocks and `code spans` are not
# read: a cron schedule, a status page or an example timestamp belongs there.
#   scripts/lint-docs.sh [FILE...]     default: README.md CONTRIBUTING.md docs/*.md
# Prints FILE:LINE: reason: text for each hit; exit 1 when there is one.
set -u
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- README.md CONTRIBUTING.md docs/*.md

awk '
FNR == 1 { fence = 0 }
/^[ \t]*(```|~~~)/ { fence = !fence; next }
fence { next }
{
	prose = $0
	gsub(/`[^`]*`/, "", prose)            # code spans
	low = tolower(prose)
	why = ""
	if (prose ~ /(^|[^0-9:.T])([01]?[0-9]|2[0-3]):[0-5][0-9]([^0-9]|$)/)
		why = "clock time"
	else if (low ~ /(measured|run|ran|change[sd]?|session|on|at|since|as of|of) +(the +)?20[0-9][0-9]-[01][0-9]-[0-3][0-9]([^t0-9]|$)/ ||
	         low ~ /\(20[0-9][0-9]-[01][0-9]-[0-3][0-9]\)/)
		if (low !~ /snapshot|version|release|published/)
			why = "dated run"
	if (why != "") { printf "%s:%d: %s: %s\n", FILENAME, FNR, why, $0; bad = 1 }
}
END { exit bad }
' "$@"
