# AgentIdP server image: a release build of the agentidp binary on a distroless runtime (glibc,
# CA certificates, no shell), run as a non-root user. Build: docker build -t agentidp .
# The build step is deploy/build-release.sh, which CI runs too.

FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
ENV CARGO_TARGET_DIR=/src/target
RUN deploy/build-release.sh && mkdir -p /out/data && cp target/release/agentidp /out/agentidp

FROM gcr.io/distroless/cc-debian12:nonroot
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="agentidp" \
      org.opencontainers.image.description="Identity provider for AI agents: registered identities, rotatable credentials, signed OAuth 2.0 tokens, a tamper-evident audit log" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/sentryagent/agentidp" \
      org.opencontainers.image.documentation="https://github.com/sentryagent/agentidp/blob/main/docs/deployment.md"
COPY --from=build /out/agentidp /usr/local/bin/agentidp
# The embedded SQLite database lives in /data (a volume); production points DATABASE_URL at PostgreSQL.
COPY --from=build --chown=nonroot:nonroot /out/data /data
WORKDIR /data
USER nonroot
ENV BIND_ADDR=0.0.0.0:3000 \
    DATABASE_URL=sqlite:///data/agentidp.db \
    LOG_FORMAT=json
EXPOSE 3000
VOLUME ["/data"]
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 CMD ["/usr/local/bin/agentidp", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/agentidp"]
CMD ["serve"]
