# The Kasuhara container image. The build stage runs scripts/release, the
# same script CI tests, for the target architecture only; the final stage
# is distroless (no shell, no package manager) and runs as a non-root user.
#
#   docker build --build-arg COMMIT=$(git rev-parse HEAD) \
#     --build-arg SOURCE_DATE=$(git log -1 --format=%cI) -t kasuhara .
#   docker run -p 127.0.0.1:8080:8080 -v kasuhara-data:/var/lib/kasuhara kasuhara
#
# packaging/compose.yaml runs it with PostgreSQL.

FROM golang:1.26-bookworm AS build
ARG TARGETARCH
ARG COMMIT=unknown
ARG SOURCE_DATE
WORKDIR /src
COPY . .
# .dockerignore leaves .git out, so the release script takes the commit and
# date from the build arguments.
RUN RELEASE_ARCHES="${TARGETARCH:-$(go env GOARCH)}" COMMIT="$COMMIT" SOURCE_DATE="$SOURCE_DATE" DIST=/dist scripts/release \
 && mkdir -p /out/data \
 && cp /dist/kasuhara_*_linux_"${TARGETARCH:-$(go env GOARCH)}" /out/kasuhara \
 && cp /dist/kasuhara_*_linux_"${TARGETARCH:-$(go env GOARCH)}".sbom.json /out/sbom.json \
 && CGO_ENABLED=0 go build -trimpath -o /out/kasuhara-healthcheck ./cmd/kasuhara-healthcheck

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/kasuhara /out/kasuhara-healthcheck /usr/bin/
COPY --from=build /out/sbom.json /usr/share/doc/kasuhara/sbom.json
# The volume's mount point belongs to the image's user (65532, "nonroot"),
# so a new named volume does too.
COPY --from=build --chown=65532:65532 /out/data /var/lib/kasuhara
ENV KASUHARA_DATA=/var/lib/kasuhara \
    KASUHARA_ADDR=0.0.0.0:8080
USER 65532:65532
WORKDIR /var/lib/kasuhara
VOLUME ["/var/lib/kasuhara"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["/usr/bin/kasuhara-healthcheck"]
ENTRYPOINT ["/usr/bin/kasuhara"]
CMD ["serve"]
