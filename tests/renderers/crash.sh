#!/bin/sh
# An external renderer that dies of a signal halfway through its output.
cat >/dev/null
printf 'partial output'
kill -9 $$
