# huzhu: build in a full Rust image, run in a small Debian one as a non-root user.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY .cargo ./.cargo
COPY migration ./migration
COPY src ./src
COPY data ./data
COPY templates ./templates
COPY assets ./assets
COPY tests ./tests
COPY benches ./benches
RUN cargo build --release --locked --bin huzhu

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /var/lib/huzhu --uid 10001 huzhu
COPY --from=build /src/target/release/huzhu /usr/local/bin/huzhu
USER 10001
WORKDIR /var/lib/huzhu
ENV HUZHU_BIND=0.0.0.0:8080
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/huzhu"]
CMD ["serve"]
