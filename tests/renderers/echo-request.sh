#!/bin/sh
# An external renderer for the tests: the document is the request it was given, so a test
# can read back exactly what the renderer saw. It also reports one warning.
cat
echo "echo-request: rendered without a template" >&2
