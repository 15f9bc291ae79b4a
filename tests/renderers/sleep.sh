#!/bin/sh
# An external renderer that never finishes: it writes its process id to the file named by
# its argument, so a test can check that it was killed, then sleeps.
echo $$ > "$1"
exec sleep 60
