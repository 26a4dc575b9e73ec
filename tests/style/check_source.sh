#!/usr/bin/env bash
# check_source.sh — house rules that a machine can check (curl's checksrc, scaled down):
#   - no banned functions in our C sources: atoi atol atof sprintf vsprintf strcpy strcat
#     strtok gets setlocale (they cannot report errors, overflow, are not reentrant, or
#     break locale-free number formatting);
#   - every .c file opens with a banner comment saying what it implements;
#   - no SQL built with printf-style formatting (prepared statements only);
#   - no absolute paths of a developer's machine.
# usage: check_source.sh SOURCE_DIR
set -u
src=${1:?usage: check_source.sh SOURCE_DIR}
cd "$src" || exit 2
fail=0
files=$(git ls-files '*.c' '*.h' 2>/dev/null || find common importer geoapi tests -name '*.[ch]')
[ -n "$files" ] || { echo "no sources found"; exit 1; }
# A few processes for all files (not a few per file): the suite runs on loaded machines.
mapfile -t list < <(for f in $files; do [ -f "$f" ] && echo "$f"; done)
checked=${#list[@]}
# Banned calls (string literals and // comments stripped roughly first) and banners, in one awk.
out=$(awk '
    FNR == 1 { seen = 0 }
    {
        line = $0
        sub(/\/\/.*$/, "", line)
        gsub(/"[^"]*"/, "", line)
        if (line ~ /(^|[^A-Za-z0-9_])(atoi|atol|atof|sprintf|vsprintf|strcpy|strcat|strtok|gets|setlocale)[ \t]*\(/)
            print FILENAME ": banned function: " FNR ": " $0
        if (!seen && $0 !~ /^[ \t]*$/) {
            seen = 1
            if (FILENAME ~ /\.c$/ && $0 !~ /^\/\*/)
                print FILENAME ": no banner comment at the top"
        }
    }' "${list[@]}")
if [ -n "$out" ]; then echo "$out"; fail=1; fi
if grep -nE 'printf\([^;]*"[^"]*(SELECT|INSERT|UPDATE|DELETE)[^"]*%[sd]' "${list[@]}"; then
    echo "^ SQL built with printf formatting"; fail=1
fi
if grep -nE '"/(work|home|root)/' "${list[@]}"; then
    echo "^ absolute machine path"; fail=1
fi
echo "checked $checked files"
if [ $fail -ne 0 ]; then
    echo "0 passed, 1 failed"
    exit 1
fi
echo "1 passed, 0 failed"
