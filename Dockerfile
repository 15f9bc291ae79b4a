# Broadsheet: a multi-stage build to a distroless, non-root image.
#
#   docker build -t broadsheet:0.1.0 .
#   docker run --rm -p 50051:50051 broadsheet:0.1.0
#
# The fonts Broadsheet needs are compiled into the binary. For CJK, mount a folder of fonts
# (for example Noto Sans CJK) and point BROADSHEET_FONT_DIR at it.

FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin broadsheet

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/target/release/broadsheet /usr/local/bin/broadsheet
ENV BROADSHEET_LISTEN=0.0.0.0:50051 \
    BROADSHEET_LOG_FORMAT=json
EXPOSE 50051
# The distroless image's nonroot user, by number: the kubelet can only verify runAsNonRoot
# for a numeric user.
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/broadsheet"]
