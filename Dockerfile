# TargetVision's container image: the static binary, CA certificates, a
# non-root user and nothing else (FROM scratch). `make image` builds it.
#
# Base images are build arguments so they can be swapped (CI, which reaches
# no image registry, builds its own, see scripts/ci-images.sh); the defaults
# are the public images users pull.
ARG GO_IMAGE=golang:1.26-bookworm

FROM ${GO_IMAGE} AS build
# The Go module proxy to build with (default the public one).
ARG GOPROXY=https://proxy.golang.org,direct
ENV CGO_ENABLED=0 GOFLAGS=-trimpath GOPROXY=${GOPROXY} GOTOOLCHAIN=local
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY cmd ./cmd
COPY internal ./internal
# nodynamic: the HEIC and AVIF decoders otherwise link purego to dlopen a
# system libheif/libavif, which makes even a CGO_ENABLED=0 binary dynamically
# linked (it needs ld-linux, which scratch lacks); without it they use their
# bundled WebAssembly build.
RUN go build -tags nodynamic -ldflags='-s -w' -o /out/usr/local/bin/targetvision ./cmd/targetvision
# The final image's whole file system besides the binary: CA certificates,
# a passwd entry for the user, and the volumes' mount points owned by it.
RUN mkdir -p /out/etc/ssl/certs /out/data/models /out/tmp \
 && cp /etc/ssl/certs/ca-certificates.crt /out/etc/ssl/certs/ \
 && echo 'targetvision:x:10001:10001:TargetVision:/data:/sbin/nologin' >/out/etc/passwd \
 && echo 'targetvision:x:10001:' >/out/etc/group \
 && chown -R 10001:10001 /out/data /out/tmp \
 && chmod 0700 /out/data && chmod 1777 /out/tmp

FROM scratch
COPY --from=build /out/ /
USER 10001:10001
# Configured only by the environment (README's table); these make sense in
# a container: listen on every interface, keep state in the volumes.
ENV TARGETVISION_DATA=/data \
    TARGETVISION_ADDR=0.0.0.0:8080 \
    TARGETVISION_LOG_FORMAT=json \
    TARGETVISION_FOLDER_ROOTS=/photos \
    HOME=/data
# /data: SQLite file, secret key, thumbnails and renditions (unless
# TARGETVISION_BLOB_URL); /data/models: the CLIP weights (`models pull`).
# Mount photo folders under /photos to add them from the web UI.
VOLUME ["/data", "/data/models"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=2m --retries=3 \
    CMD ["/usr/local/bin/targetvision", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/targetvision"]
CMD ["serve"]
