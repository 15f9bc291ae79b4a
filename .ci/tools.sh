#!/usr/bin/env bash
# Installs the Node tools the tests run, each folder pinned by its package-lock.json:
# tests/tools (buf, for the contract checks) and tests/readers (foliate-js, epub.js and
# DAISY Ace, driven in Debian's Chromium by tests/readers.rs).
# `npm ci` installs exactly the lockfile and fails if package.json and the lockfile disagree.
set -euo pipefail
cd "$(dirname "$0")/.."

# Packages that would fetch a browser or an Electron binary at install time must not: an
# install needs nothing but the npm registry.
export ELECTRON_SKIP_BINARY_DOWNLOAD=1
export PUPPETEER_SKIP_DOWNLOAD=1

echo "== node tools"
node --version
npm --version
(cd tests/tools && npm ci --no-audit --no-fund && ./node_modules/.bin/buf --version)
(cd tests/readers && npm ci --no-audit --no-fund)
