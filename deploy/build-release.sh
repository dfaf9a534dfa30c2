#!/bin/sh
# The release build of the agentidp binary, as the Dockerfile runs it and CI runs it (.ci/run),
# so that the image is built by steps CI has exercised. Output: $CARGO_TARGET_DIR (or target/)
# /release/agentidp.
set -eu
cargo build --release --locked --bin agentidp
