import { EC2Client, type EC2ClientConfig } from '@aws-sdk/client-ec2';
import { SSMClient } from '@aws-sdk/client-ssm';

/**
 * A function the SDK runs around every request of a client (`middlewareStack.add`): tests use it
 * to pick a moto account, inject throttling or a lost response, and record the actions called.
 */
export type AwsMiddleware = (stack: AwsMiddlewareStack) => void;

/** The part of a client's middleware stack a middleware installs itself with. */
export interface AwsMiddlewareStack {
  add: EC2Client['middlewareStack']['add'];
}

export interface AwsSettings {
  region: string;
  /** AWS_ENDPOINT_URL: an emulator (moto) instead of the region's endpoints. */
  endpoint?: string;
  /** Default: the SDK's standard chain (environment, shared files, instance role). */
  credentials?: EC2ClientConfig['credentials'];
  middleware?: readonly AwsMiddleware[];
  /** SDK attempts per call, throttling included. @defaultValue 5 */
  maxAttempts?: number;
}

export interface AwsClients {
  ec2: EC2Client;
  ssm: SSMClient;
  settings: AwsSettings;
}

export function openAwsClients(settings: AwsSettings): AwsClients {
  const common = {
    region: settings.region,
    maxAttempts: settings.maxAttempts ?? 5,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
  };
  const ec2 = new EC2Client(common);
  const ssm = new SSMClient(common);
  for (const install of settings.middleware ?? []) {
    install(ec2.middlewareStack);
    install(ssm.middlewareStack as unknown as AwsMiddlewareStack);
  }
  return { ec2, ssm, settings };
}

export function closeAwsClients(clients: AwsClients): void {
  clients.ec2.destroy();
  clients.ssm.destroy();
}
