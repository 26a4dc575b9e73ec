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
checked=0
for f in $files; do
    [ -f "$f" ] || continue
    checked=$((checked + 1))
    # Strip string literals and comments roughly before looking for calls.
    hits=$(sed -e 's://.*$::' -e 's:"[^"]*"::g' "$f" |
           grep -nE '\b(atoi|atol|atof|sprintf|vsprintf|strcpy|strcat|strtok|gets|setlocale)[[:space:]]*\(' |
           grep -vE '\b(snprintf|vsnprintf)\(' || true)
    if [ -n "$hits" ]; then
        echo "$f: banned function:"; echo "$hits"; fail=1
    fi
    case "$f" in
    *.c)
        first=$(grep -m1 -vE '^[[:space:]]*$' "$f")
        case "$first" in
        /\**) ;;
        *) echo "$f: no banner comment at the top"; fail=1 ;;
        esac
        ;;
    esac
    if grep -nE 'printf\([^;]*"[^"]*(SELECT|INSERT|UPDATE|DELETE)[^"]*%[sd]' "$f" >/dev/null; then
        echo "$f: SQL built with printf formatting:"
        grep -nE 'printf\([^;]*"[^"]*(SELECT|INSERT|UPDATE|DELETE)[^"]*%[sd]' "$f"
        fail=1
    fi
    if grep -nE '"/(work|home|root)/' "$f" >/dev/null; then
        echo "$f: absolute machine path:"; grep -nE '"/(work|home|root)/' "$f"; fail=1
    fi
done
echo "checked $checked files"
if [ $fail -ne 0 ]; then
    echo "0 passed, 1 failed"
    exit 1
fi
echo "1 passed, 0 failed"
