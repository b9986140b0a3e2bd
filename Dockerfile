# meshguard: the control plane (ext_authz, xDS, admin) with the built wasm filters inside.
# Build: docker build -t meshguard .   Run: docker run -p 9001:9001 -p 18000:18000 meshguard
# Two stages: `build` compiles TypeScript (dist/) and AssemblyScript (build/wasm/) with every
# dev dependency; the runtime stage holds only production dependencies and runs as a non-root user.
# test/packaging/dockerfile.test.ts checks the stages, the user and every COPY source.

FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
COPY packages/proxy-wasm-host/package.json packages/proxy-wasm-host/
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY packages/proxy-wasm-host packages/proxy-wasm-host
COPY control-plane control-plane
COPY bench bench
COPY assembly assembly
COPY scripts scripts
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /opt/meshguard
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules node_modules
COPY --from=build /src/packages/proxy-wasm-host/package.json packages/proxy-wasm-host/
COPY --from=build /src/packages/proxy-wasm-host/dist packages/proxy-wasm-host/dist
COPY --from=build /src/dist dist
COPY --from=build /src/build/wasm build/wasm
COPY bin bin
COPY examples examples
COPY schema schema
# The node image's unprivileged user (uid 1000); nothing in /opt/meshguard is writable by it.
USER 1000:1000
EXPOSE 9001 18000 9901
ENTRYPOINT ["node", "/opt/meshguard/bin/meshguard"]
CMD ["serve", "--policy", "/opt/meshguard/examples/shop.yaml", "--admin-bind", "0.0.0.0", "--redis", "none"]
