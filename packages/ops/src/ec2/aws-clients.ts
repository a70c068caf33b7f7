import type { EC2Client, EC2ClientConfig } from '@aws-sdk/client-ec2';
import type { SSMClient } from '@aws-sdk/client-ssm';

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

/** The SDK's modules, loaded only by a process that talks to AWS (they take most of a second to load). */
export interface AwsSdk {
  ec2: typeof import('@aws-sdk/client-ec2');
  ssm: typeof import('@aws-sdk/client-ssm');
}

export interface AwsClients {
  ec2: EC2Client;
  ssm: SSMClient;
  sdk: AwsSdk;
  settings: AwsSettings;
}

export async function openAwsClients(settings: AwsSettings): Promise<AwsClients> {
  const [ec2Sdk, ssmSdk] = await Promise.all([import('@aws-sdk/client-ec2'), import('@aws-sdk/client-ssm')]);
  const common = {
    region: settings.region,
    maxAttempts: settings.maxAttempts ?? 5,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
  };
  const ec2 = new ec2Sdk.EC2Client(common);
  const ssm = new ssmSdk.SSMClient(common);
  for (const install of settings.middleware ?? []) {
    install(ec2.middlewareStack);
    install(ssm.middlewareStack as unknown as AwsMiddlewareStack);
  }
  return { ec2, ssm, sdk: { ec2: ec2Sdk, ssm: ssmSdk }, settings };
}

export function closeAwsClients(clients: AwsClients): void {
  clients.ec2.destroy();
  clients.ssm.destroy();
}
