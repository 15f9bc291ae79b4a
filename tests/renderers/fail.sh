#!/bin/sh
# An external renderer that fails, explaining why on standard error.
cat >/dev/null
echo "template newsletter.html is missing" >&2
exit 1
