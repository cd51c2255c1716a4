#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image
# (Ubuntu). The autograder zip holds run_autograder, setup.sh, mftp.toml
# and the mftp repository as mftp/ (see README.md).
set -euxo pipefail
apt-get update
# python3 for Python submissions, build-essential for C ones; util-linux
# gives prlimit (the servers' resource limits); curl for rustup.
apt-get install -y --no-install-recommends python3 build-essential util-linux curl ca-certificates

# Build the suite once: mftp-grade and conformance into /autograder/source/bin.
curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
# shellcheck disable=SC1091
source "$HOME/.cargo/env"
cargo install --locked --path /autograder/source/mftp/conformance --root /autograder/source
/autograder/source/bin/mftp-grade --help >/dev/null
