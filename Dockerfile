# One image for the API and the workers (docker-compose.yml picks the command).
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
COPY apps/api/package.json apps/api/
COPY packages/domain/package.json packages/domain/
COPY packages/ops/package.json packages/ops/
COPY packages/persistence/package.json packages/persistence/
COPY test/acceptance/package.json test/acceptance/
COPY examples/hello-app/package.json examples/hello-app/
COPY bench/package.json bench/
# tsx runs the TypeScript sources directly, as `npm start` does; it is a runtime dependency.
RUN npm ci --include=dev --ignore-scripts=false && npm cache clean --force
COPY . .
EXPOSE 7070
ENV HOST=0.0.0.0 PORT=7070 SLIPWAY_DATA_DIR=/var/lib/slipway
CMD ["npm", "start"]
