/**
 * Only these of our own variables reach the processes we start (builds, instances, balancers):
 * the API's environment holds its secrets (store URLs, tokens), which a build script, an app or a
 * balancer has no business reading, and a build would print into its log excerpt. The proxy and CA
 * settings are the operator's network, not ours: without them `npm ci` behind a corporate proxy or
 * a private CA fails.
 */
const PASSED_ENV = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LC_ALL',
  'LC_CTYPE',
  'TZ',
  'TMPDIR',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'NODE_EXTRA_CA_CERTS',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
];

export function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of PASSED_ENV) if (process.env[name] !== undefined) env[name] = process.env[name];
  return { ...env, ...extra };
}
