import { type AwsClients, awsTestMiddleware, closeAwsClients, openAwsClients } from '@slipway/ops';
import { type AwsConfig, ConfigError } from '../config';

/**
 * One set of AWS clients per process and AWS configuration, opened by `prepareAws` (async: the
 * SDK is loaded only when AWS is configured) and shared by the kinds on EC2.
 */
const opened = new Map<string, AwsClients>();

const keyOf = (aws: AwsConfig) => `${aws.region}|${aws.endpoint ?? ''}`;

/**
 * Opens the clients and resolves the credentials once at start, so a server without any fails
 * there, naming what to set, instead of failing every EC2 run with the SDK's message.
 */
export async function prepareAws(aws: AwsConfig): Promise<void> {
  if (opened.has(keyOf(aws))) return;
  const clients = await openAwsClients({
    region: aws.region,
    ...(aws.endpoint ? { endpoint: aws.endpoint } : {}),
    middleware: awsTestMiddleware(process.env),
  });
  try {
    const credentials = await clients.ec2.config.credentials();
    if (!credentials.accessKeyId) throw new Error('empty access key id');
  } catch (error) {
    closeAwsClients(clients);
    throw new ConfigError(
      'AWS_ACCESS_KEY_ID',
      `AWS_REGION is set but the SDK's standard chain found no credentials (${(error as Error).message.split('\n')[0]}); set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run with an instance role — or unset AWS_REGION to use the local provider only`,
    );
  }
  opened.set(keyOf(aws), clients);
}

/** The clients `prepareAws` opened for this configuration. */
export function awsClientsFor(aws: AwsConfig): AwsClients {
  const clients = opened.get(keyOf(aws));
  if (!clients) throw new Error('AWS clients used before prepareAws: a module on EC2 must prepare it');
  return clients;
}

/** Why `provider.type: ec2` cannot run here, for the refusals of the kinds that offer it. */
export const EC2_NOT_CONFIGURED =
  'provider.type ec2 needs AWS configuration on the server: set AWS_REGION and credentials (AWS_ENDPOINT_URL for an emulator)';
