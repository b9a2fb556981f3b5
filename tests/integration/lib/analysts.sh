# analysts.sh - the ```sql blocks of docs/analysts.md as files, and a run of
# each against a server.  Source after common.sh.
#
#   analysts_blocks DIR   write DIR/qN.sql and DIR/qN.expect: "none" when the
#                         block's introduction says "(no rows)", else "some";
#                         prints how many blocks
#   analysts_run CMD DIR [any]
#                         run every block with CMD (a function reading SQL on
#                         stdin, e.g. sql_adlog); a block must not fail, a
#                         "none" block must return no rows and, unless the
#                         third argument is "any", a "some" block some;
#                         returns 1 when one does not hold
analysts_blocks() {
	rm -f "$1"/q*.sql "$1"/q*.expect
	awk -v dir="$1" '
		/^```sql$/ { n++; f = dir "/q" n ".sql"; printf "%s\n", (intro ~ /\(no rows\)/ ? "none" : "some") > (dir "/q" n ".expect"); inblk = 1; next }
		inblk && /^```/ { inblk = 0; next }
		inblk { print > f; next }
		/[^ ]/ { intro = $0 }
	' "$ROOT/docs/analysts.md"
	ls "$1"/q*.sql | wc -l
}

analysts_run() {
	local cmd=$1 dir=$2 any=${3:-} q rows want bad=0
	for q in $(ls "$dir"/q*.sql | sort -V); do
		want=$(cat "${q%.sql}.expect")
		if ! rows=$("$cmd" <"$q" 2>"$dir/err"); then
			echo "block ${q##*/} failed:"; cat "$q" "$dir/err"; bad=1; continue
		fi
		rows=$(printf '%s' "$rows" | grep -c . || true)
		case "$want:$rows:$any" in
		none:0:* | some:[1-9]*:* | some:0:any) echo "ok: ${q##*/} ($want, $rows rows)" ;;
		*) echo "block ${q##*/} returned $rows rows, wanted $want:"; cat "$q"; bad=1 ;;
		esac
	done
	return $bad
}
