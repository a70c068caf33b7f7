import { afterEach, describe, expect, it, vi } from 'vitest';
import { baseEnv } from './base-env';

const NETWORK = {
  HTTP_PROXY: 'http://proxy.corp:3128',
  HTTPS_PROXY: 'http://proxy.corp:3128',
  NO_PROXY: 'localhost,.corp',
  http_proxy: 'http://proxy.corp:3128',
  https_proxy: 'http://proxy.corp:3128',
  no_proxy: 'localhost,.corp',
  NODE_EXTRA_CA_CERTS: '/etc/ssl/corp-ca.pem',
  SSL_CERT_FILE: '/etc/ssl/certs/ca-bundle.crt',
  SSL_CERT_DIR: '/etc/ssl/certs',
};

describe('baseEnv', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("passes the operator's proxy and CA settings, so npm ci works behind a corporate proxy", () => {
    for (const [name, value] of Object.entries(NETWORK)) vi.stubEnv(name, value);
    expect(baseEnv({})).toMatchObject(NETWORK);
  });

  it("keeps Slipway's own variables and the store URLs out, and adds what the caller gives", () => {
    vi.stubEnv('SLIPWAY_ADMIN_TOKEN', 'secret-token');
    vi.stubEnv('SLIPWAY_DATA_DIR', '/var/lib/slipway');
    vi.stubEnv('MONGO_URL', 'mongodb://user:pw@db/slipway');
    vi.stubEnv('REDIS_URL', 'redis://:pw@cache:6379');
    vi.stubEnv('PATH', '/usr/bin');
    const env = baseEnv({ SLIPWAY_IMAGE_VERSION: '3' });
    expect(env).toMatchObject({ PATH: '/usr/bin', SLIPWAY_IMAGE_VERSION: '3' });
    for (const name of ['SLIPWAY_ADMIN_TOKEN', 'SLIPWAY_DATA_DIR', 'MONGO_URL', 'REDIS_URL']) {
      expect(env).not.toHaveProperty(name);
    }
  });
});
