#!/usr/bin/env bash
# t0200: the repo's commit-msg hook (.githooks/commit-msg, CONTRIBUTING.md)
# refuses a subject over 72 characters, a subject ending in a full stop and
# a body not separated by a blank line, and takes git's form; `make hooks`
# enables it in a clone.
source "$(dirname "$0")/lib/common.sh"

R=$T/repo
git init -q "$R"
git -C "$R" config user.email t@example.invalid
git -C "$R" config user.name t0200
git -C "$R" config core.hooksPath "$ROOT/.githooks"

# try_commit FILE: commit one new file with the message in FILE
n=0
try_commit() {
	n=$((n + 1))
	echo "$n" >"$R/f$n"
	git -C "$R" add "f$n"
	git -C "$R" commit -q -F "$1" 2>"$T/err"
}

long=$(printf 'Add %096d' 0)
expect_eq "length of the long subject" 100 "${#long}"
printf '%s\n\nA body.\n' "$long" >"$T/m"
if try_commit "$T/m"; then fail "a 100-character subject was committed"; fi
grep -q "subject is 100 characters, at most 72" "$T/err" || fail "no reason given: $(cat "$T/err")"
pass "a 100-character subject is refused"

printf 'Add a file.\n\nA body.\n' >"$T/m"
if try_commit "$T/m"; then fail "a subject ending in a full stop was committed"; fi
pass "a subject ending in a full stop is refused"

printf 'Add a file\nA body without the blank line.\n' >"$T/m"
if try_commit "$T/m"; then fail "a body without a blank line was committed"; fi
pass "a body glued to the subject is refused"

printf 'Count quarantined lines by reason\n\nWhy and the figures.\n' >"$T/m"
try_commit "$T/m" || fail "git's form refused: $(cat "$T/err")"
expect_eq "commits in the repo" 1 "$(git -C "$R" rev-list --count HEAD)"

# make hooks sets core.hooksPath in a clone of this tree
git -C "$R" config --unset core.hooksPath
cp "$ROOT/Makefile" "$R/"
make -s -C "$R" hooks >/dev/null
expect_eq "core.hooksPath after make hooks" .githooks "$(git -C "$R" config core.hooksPath)"
