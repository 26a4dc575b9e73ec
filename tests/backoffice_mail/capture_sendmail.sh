#!/bin/sh
# capture_sendmail.sh — a sendmail-compatible command for test_mail.py: keeps its arguments
# and the message it reads on stdin in $CAPTURE_DIR, and refuses a second message.
set -eu
[ ! -e "$CAPTURE_DIR/message.eml" ] || exit 75
echo "$@" > "$CAPTURE_DIR/args"
cat > "$CAPTURE_DIR/message.eml.part"
mv "$CAPTURE_DIR/message.eml.part" "$CAPTURE_DIR/message.eml"
