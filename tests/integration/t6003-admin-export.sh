#!/usr/bin/env bash
# t6003: adlog-admin export-inventory writes serve's inventory file from the
# tables: every record matches its row, archived campaigns stay out, the file
# is replaced atomically and left alone when nothing changed, and a value
# serve would refuse fails the export without touching the old file.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/mariadb.sh"
A=$BUILD/adlog-admin

start_mariadb
"$A" migrate >/dev/null
"$A" load-sample | grep -q "^loaded '.*/sample/inventory.sql'" || fail "load-sample"
"$A" load-sample >/dev/null || fail "load-sample twice"
expect_eq "sample campaigns after two loads" 5 "$(sql 'SELECT COUNT(*) FROM campaigns')"

INV=$T/inventory     # [serve] inventory in the test config
"$A" export-inventory | tee "$T/out"
grep -q "^wrote '$INV': 4 publishers, 5 campaigns, 7 zones, 8 ads, version xxh64-" "$T/out" || fail "export summary"

# the records, rebuilt independently from the tables with SQL
expected() {
	sql "SELECT 'adlog-inventory', '1'"
	sql "SELECT 'pub', p.id, p.name, COALESCE(GROUP_CONCAT(d.domain ORDER BY d.domain), '-')
	     FROM publishers p LEFT JOIN publisher_domains d ON d.publisher_id = p.id
	     GROUP BY p.id ORDER BY p.id"
	sql "SET time_zone = '+00:00'; SELECT 'camp', id, advertiser_id, UNIX_TIMESTAMP(start_at),
	     IFNULL(UNIX_TIMESTAMP(end_at), 0), status FROM campaigns
	     WHERE status <> 'archived' ORDER BY id"
	sql "SELECT 'zone', id, publisher_id, width, height FROM zones ORDER BY id"
	sql "SELECT 'ad', a.id, a.campaign_id, a.width, a.height, a.weight, a.unsigned_ok,
	     a.image_url, a.landing_url FROM ads a JOIN campaigns c ON c.id = a.campaign_id
	     WHERE c.status <> 'archived' ORDER BY a.id"
}
records() { grep -v -e '^#' -e '^version' "$1"; }
expected >"$T/expect"
records "$INV" >"$T/actual"
expect_file_eq "$T/expect" "$T/actual"
expect_eq "version records" 1 "$(grep -c $'^version\txxh64-[0-9a-f]\{16\}$' "$INV")"
expect_eq "mode of the inventory file" 644 "$(stat -c %a "$INV")"

# the sample's export is the golden file the serve parser is tested on
# (tests/unit/test_admin_inventory.c)
expect_file_eq "$ROOT/tests/golden/inventory-sample.txt" "$INV"

# serve accepts it
serve_accepts() {
	"$BUILD/adlog-serve" --check-inventory "$1" || fail "adlog-serve refuses $1"
	pass "adlog-serve --check-inventory accepts $1"
}
serve_accepts "$INV"

# nothing changed: the file is not rewritten (serve would reload it)
ino=$(stat -c %i "$INV"); mtime=$(stat -c %Y.%y "$INV")
"$A" export-inventory | grep -q "^unchanged '$INV'" || fail "second export not 'unchanged'"
expect_eq "inode after unchanged export" "$ino" "$(stat -c %i "$INV")"
expect_eq "mtime after unchanged export" "$mtime" "$(stat -c %Y.%y "$INV")"

# a change: new file by rename (new inode), new version, no temp file left
sql "UPDATE campaigns SET status = 'paused' WHERE id = 1; UPDATE campaigns SET status = 'archived' WHERE id = 2"
sql "UPDATE publishers SET name = 'Tab\there' WHERE id = 3; DELETE FROM publisher_domains WHERE publisher_id = 2"
"$A" export-inventory | grep -q "^wrote '$INV': 4 publishers, 4 campaigns, 7 zones, 5 ads" || fail "export after change"
[ "$ino" != "$(stat -c %i "$INV")" ] || fail "file rewritten in place, not renamed"
expect_eq "leftover temp files" 0 "$(find "$T" -maxdepth 1 -name 'inventory.tmp.*' | wc -l)"
grep -q $'^camp\t1\t1\t1577836800\t0\tpaused$' "$INV" || fail "paused campaign exported with its status"
! grep -q $'^camp\t2\t' "$INV" || fail "archived campaign exported"
! grep -q $'^ad\t3\t' "$INV" || fail "ad of archived campaign exported"
grep -q $'^pub\t3\tTab here\tgameforum.example$' "$INV" || fail "TAB in a name not cleaned"
grep -q $'^pub\t2\tRecipe Blog\t-$' "$INV" || fail "publisher without domains"
serve_accepts "$INV"

# readers never see a partial file: 20 exports, each a change, while a
# reader keeps checking the whole file (bounded loops)
check_whole() {
	[ "$(head -n 1 "$INV")" = $'adlog-inventory\t1' ] &&
	[ "$(tail -c 1 "$INV" | od -An -c | tr -d ' ')" = '\n' ] &&
	grep -q $'^ad\t7\t' "$INV"
}
( for i in $(seq 1 20); do
	sql "UPDATE ads SET weight = $i WHERE id = 2"
	"$A" export-inventory >/dev/null || exit 1
  done ) & writer=$!
reads=0
while kill -0 "$writer" 2>/dev/null && [ $reads -lt 5000 ]; do
	check_whole || fail "a reader saw a partial inventory file"
	reads=$((reads + 1))
done
wait "$writer" || fail "export loop failed"
grep -q $'^ad\t2\t1\t728\t90\t20\t' "$INV" || fail "last of 20 exports not in the file"
pass "$reads whole reads during 20 exports"

# long values (past the 256-byte first read of a column): whole in the file
long="https://cdn.example.com/$(printf 'x%.0s' $(seq 1 1900)).png"
sql "UPDATE ads SET image_url = '$long' WHERE id = 7"
for i in $(seq 1 40); do echo "($((i % 4 + 1)), 'sub$i.longdomain-for-the-test.example')"; done |
	paste -sd, | sed 's/^/INSERT INTO publisher_domains VALUES /' | sql
"$A" export-inventory >/dev/null
grep -qF $'\t'"$long"$'\t' "$INV" || fail "a 1900-byte URL not exported whole"
expect_eq "domains of publisher 1" 12 "$(grep $'^pub\t1\t' "$INV" | cut -f4 | tr , '\n' | wc -l)"
serve_accepts "$INV"

# --out - prints the file, and nothing else
"$A" export-inventory --out - >"$T/stdout.inv"
expect_file_eq "$INV" "$T/stdout.inv"

# --out FILE; a folder that does not exist fails cleanly
"$A" export-inventory --out "$T/other.inv" >/dev/null
records "$INV" >"$T/a"; records "$T/other.inv" >"$T/b"
expect_file_eq "$T/a" "$T/b"
rc=0; "$A" export-inventory --out "$T/no/such/dir/inv" 2>"$T/err" || rc=$?
cat "$T/err"
expect_eq "export into a missing folder" 1 "$rc"
grep -q "export-inventory: cannot create '$T/no/such/dir/inv.tmp." "$T/err" || fail "missing folder message"

# a URL serve would refuse (CHECK bypassed by root): that ad is left out,
# named, and the rest exported (one bad row must not freeze every change);
# a publisher with a bad domain is left out with its zones; exit 3
sql "SET SESSION check_constraint_checks = 0; UPDATE ads SET landing_url = 'https://x.example/a b' WHERE id = 5"
pz=$(sql "SELECT publisher_id FROM zones ORDER BY id LIMIT 1")
nz=$(sql "SELECT COUNT(*) FROM zones WHERE publisher_id = $pz")
sql "INSERT INTO publisher_domains (publisher_id, domain) VALUES ($pz, 'bad domain.example')" 2>/dev/null ||
	sql "SET SESSION check_constraint_checks = 0; INSERT INTO publisher_domains (publisher_id, domain) VALUES ($pz, 'bad domain.example')"
sql "UPDATE campaigns SET status = 'paused' WHERE id = (SELECT campaign_id FROM ads WHERE id = 1)"
rc=0; "$A" export-inventory >"$T/out" 2>"$T/err" || rc=$?
cat "$T/out" "$T/err"
expect_eq "export with bad rows" 3 "$rc"
grep -q "export-inventory: ad 5 left out: its landing_url 'https://x.example/a b' is a value serve would refuse" "$T/err" || fail "bad URL message"
grep -q "export-inventory: pub $pz left out: its domains '.*bad domain.example.*' is a value serve would refuse" "$T/err" || fail "bad domain message"
expect_eq "zones left out with their publisher" "$nz" "$(grep -c "^adlog-admin: export-inventory: zone [0-9]* left out: its pub $pz was left out" "$T/err")"
grep -q "$((nz + 2)) rows left out" "$T/err" || fail "no count of the rows left out"
! grep -q "^ad	5	" "$INV" || fail "ad 5 was exported"
! grep -q "^pub	$pz	" "$INV" || fail "pub $pz was exported"
grep -q "^camp	$(sql "SELECT campaign_id FROM ads WHERE id = 1")	.*paused" "$INV" || fail "the paused campaign did not reach the file"
"$BUILD/adlog-serve" --check-inventory "$INV" || fail "adlog-serve refuses the file with rows left out"

# the CHECK constraints keep such values out in the first place
rc=0; sql "UPDATE ads SET image_url = 'javascript:alert(1)' WHERE id = 1" 2>/dev/null || rc=$?
[ "$rc" -ne 0 ] || fail "CHECK let a non-http URL in"
rc=0; sql "UPDATE ads SET weight = 2000000000 WHERE id = 1" 2>/dev/null || rc=$?
[ "$rc" -ne 0 ] || fail "CHECK let an out-of-range weight in"
echo "t6003 ok"
