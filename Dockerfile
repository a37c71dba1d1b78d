# The Serin controller image, built from the same dist/ the npm package ships.
#
# The build stage runs `npm ci`, whose prepare script compiles src/ into dist/ (tsconfig.build.json)
# and bundles the dashboard's web UI into dist/dashboard-ui; the runtime stage runs that plain
# JavaScript on node:20 slim with production dependencies only, so nothing is compiled at run
# time and the root filesystem can be read-only. The tag comes from package.json's version:
#
#   npm run image        # docker build -t serin-controller:<version> .
#   docker run --rm serin-controller:<version> controller --help

FROM node:20.20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm ci --no-audit --no-fund

FROM node:20.20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /src/dist ./dist
COPY bin ./bin
# `serin install --render` prints these.
COPY deploy ./deploy
# The distroless-style numeric user from the Deployment's securityContext.
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["node", "--enable-source-maps", "/app/bin/serin.js"]
CMD ["controller"]
