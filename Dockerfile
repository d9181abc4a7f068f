# The gateway image. It migrates the database it is pointed at on start (DATABASE_URL).
FROM node:20-bookworm-slim

WORKDIR /app
ENV NODE_ENV=production

# Dependencies first (cached layer). postinstall generates the Prisma Client from the schema.
COPY package.json package-lock.json prisma.config.ts ./
COPY scripts ./scripts
COPY prisma ./prisma
RUN npm ci --omit=dev && npm cache clean --force

COPY tsconfig.json ./
COPY src ./src
COPY schema ./schema

# The delivery spool (compose mounts a volume here); the image's owner carries over to it.
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --retries=5 \
  CMD node -e "fetch('http://127.0.0.1:4000/readyz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
# As npm start: a larger young generation (the default 16 MiB is collected every few
# requests under load; 32 MiB measured about 10% more requests per second).
CMD ["node", "--max-semi-space-size=64", "--import", "tsx", "src/main.ts"]
