#!/bin/sh
# An external renderer that writes far more than any message limit.
cat >/dev/null
exec head -c 50000000 /dev/zero
