// A deliberately tiny app: clusters start it, health-check it and ask it which version it runs.
import { createHash } from 'node:crypto';
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

const ENV_NAME = /^[A-Z_][A-Z0-9_]{0,127}$/;
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
  } else if (request.method === 'GET' && path === '/greeting') {
    // A configured value: Slipway hands settings to instances as environment variables.
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ greeting: process.env.GREETING ?? null, version, pid: process.pid }));
  } else if (request.method === 'GET' && path === '/secret-hash') {
    // Proves a secret arrived without showing it: only its SHA-256 leaves the process.
    const name = new URL(request.url ?? '/', 'http://localhost').searchParams.get('name') ?? '';
    const value = ENV_NAME.test(name) ? process.env[name] : undefined;
    response.writeHead(value === undefined ? 404 : 200, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify(
        value === undefined
          ? { error: 'no such variable', name }
          : { name, sha256: createHash('sha256').update(value).digest('hex') },
      ),
    );
  } else if (request.method === 'GET' && path === '/upstream') {
    // Calls another service at the address service discovery gave this instance.
    const name = new URL(request.url ?? '/', 'http://localhost').searchParams.get('name') ?? '';
    const target = ENV_NAME.test(name) ? process.env[name] : undefined;
    if (!target) {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: 'no such variable', name }));
      return;
    }
    fetch(new URL('/greeting', target)).then(
      async (answer) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ url: target, status: answer.status, body: await answer.json() }));
      },
      (error) => {
        response.writeHead(502, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ url: target, error: String(error) }));
      },
    );
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
