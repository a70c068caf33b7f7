import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../config';
import { awsClientsFor, prepareAws } from './aws-runtime';

const saved = { ...process.env };
afterEach(() => {
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  Object.assign(process.env, saved);
});

/** An environment in which the SDK's standard chain finds nothing: no keys, files, profile or instance role. */
function withoutCredentials(): void {
  for (const name of Object.keys(process.env)) {
    if (name.startsWith('AWS_')) delete process.env[name];
  }
  process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/slipway-test/credentials';
  process.env.AWS_CONFIG_FILE = '/nonexistent/slipway-test/config';
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
}

describe('AWS configuration at start', () => {
  it('fails naming AWS_ACCESS_KEY_ID and what to set when the standard chain finds no credentials', async () => {
    withoutCredentials();
    const aws = { region: 'eu-west-1', endpoint: 'http://127.0.0.1:9' };
    const refusal = await prepareAws(aws).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ConfigError);
    expect(refusal).toMatchObject({ variable: 'AWS_ACCESS_KEY_ID' });
    expect((refusal as Error).message).toMatch(
      /set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE/,
    );
    expect(() => awsClientsFor(aws)).toThrow(/before prepareAws/);
  });

  it('opens the clients once credentials are found, without calling AWS', async () => {
    withoutCredentials();
    process.env.AWS_ACCESS_KEY_ID = 'AKIAEXAMPLE';
    process.env.AWS_SECRET_ACCESS_KEY = 'example-secret-key';
    const aws = { region: 'eu-west-2', endpoint: 'http://127.0.0.1:9' };
    await prepareAws(aws);
    expect(awsClientsFor(aws).settings.region).toBe('eu-west-2');
  });
});
