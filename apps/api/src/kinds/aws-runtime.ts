import { type AwsClients, awsTestMiddleware, closeAwsClients, openAwsClients } from '@slipway/ops';
import { type AwsConfig, ConfigError } from '../config';

/** One set of AWS clients per process and AWS configuration: the kinds on EC2 share them. */
const opened = new Map<string, AwsClients>();

export function awsClientsFor(aws: AwsConfig): AwsClients {
  const key = `${aws.region}|${aws.endpoint ?? ''}`;
  let clients = opened.get(key);
  if (!clients) {
    clients = openAwsClients({
      region: aws.region,
      ...(aws.endpoint ? { endpoint: aws.endpoint } : {}),
      middleware: awsTestMiddleware(process.env),
    });
    opened.set(key, clients);
  }
  return clients;
}

/**
 * Resolves the credentials once at start, so a server without any fails there, naming what to
 * set, instead of failing every EC2 run with the SDK's message.
 */
export async function checkAwsCredentials(aws: AwsConfig): Promise<void> {
  const probe = openAwsClients({ region: aws.region, ...(aws.endpoint ? { endpoint: aws.endpoint } : {}) });
  try {
    const credentials = await probe.ec2.config.credentials();
    if (!credentials.accessKeyId) throw new Error('empty access key id');
  } catch (error) {
    throw new ConfigError(
      'AWS_ACCESS_KEY_ID',
      `AWS_REGION is set but the SDK's standard chain found no credentials (${(error as Error).message.split('\n')[0]}); set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run with an instance role — or unset AWS_REGION to use the local provider only`,
    );
  } finally {
    closeAwsClients(probe);
  }
}

/** Why `provider.type: ec2` cannot run here, for the refusals of the kinds that offer it. */
export const EC2_NOT_CONFIGURED =
  'provider.type ec2 needs AWS configuration on the server: set AWS_REGION and credentials (AWS_ENDPOINT_URL for an emulator)';
