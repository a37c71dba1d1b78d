# The Serin controller image.
#
# Serin runs its TypeScript through tsx in development. The image does not: a build stage compiles
# src/ with tsc into dist/ (deploy/docker/tsconfig.build.json), and the runtime stage runs plain
# JavaScript on node:20 slim with production dependencies only. Startup is faster, nothing is
# compiled at run time, and the root filesystem can be read-only.
#
#   docker build -t serin-controller:dev .
#   docker run --rm serin-controller:dev controller --help

FROM node:20.20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json .npmrc* ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY deploy/docker/tsconfig.build.json deploy/docker/
COPY src ./src
RUN npx tsc -p deploy/docker/tsconfig.build.json

FROM node:20.20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json .npmrc* ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /src/dist ./dist
# `serin install --render` prints these.
COPY deploy ./deploy
# The distroless-style numeric user from the Deployment's securityContext.
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["node", "--enable-source-maps", "/app/dist/src/cli/main.js"]
CMD ["controller"]
