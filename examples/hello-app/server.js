// A deliberately tiny app: clusters start it, health-check it and ask it which version it runs.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const versionFile = new URL('./VERSION', import.meta.url);
let version;
try {
  version = readFileSync(versionFile, 'utf8').trim();
} catch {
  // An unbuilt app must not answer with a made-up version: verification compares it.
  console.error(`hello-app: ${versionFile.pathname} is missing; run "npm run build" first.`);
  process.exit(1);
}

const port = Number(process.env.PORT ?? 8080);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`hello-app: PORT must be an integer between 0 and 65535, got "${process.env.PORT}".`);
  process.exit(1);
}

const server = createServer((request, response) => {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  if (request.method === 'GET' && path === '/') {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ app: 'hello-app', version, pid: process.pid }));
  } else if (request.method === 'GET' && path === '/health') {
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.end('ok');
  } else {
    response.writeHead(404, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ error: 'not found', path }));
  }
});

server.listen(port, () => {
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  console.log(`hello-app ${version} listening on port ${bound} (pid ${process.pid})`);
});

// Stop promptly on SIGTERM so blue/green swaps and destroys do not wait for a kill timeout.
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
