import type { ImageSpec, Resource } from '@slipway/domain';
import { awsErrorName } from './aws-calls';
import type { AwsClients } from './aws-clients';

/** `GET /v1/images/{id}` must answer within a second, whatever EC2 does meanwhile. */
const OBSERVE_TIMEOUT_MS = 1000;

/** The image's AMI as EC2 sees it now (state, name), beside what the bake recorded. */
export async function observeEc2Image(
  clients: AwsClients,
  resource: Resource<ImageSpec>,
): Promise<Record<string, unknown>> {
  const amiId = resource.status.amiId;
  if (typeof amiId !== 'string') return {};
  try {
    const answer = await clients.ec2.send(new clients.sdk.ec2.DescribeImagesCommand({ ImageIds: [amiId] }), {
      abortSignal: AbortSignal.timeout(OBSERVE_TIMEOUT_MS),
    });
    const image = answer.Images?.[0];
    return {
      ami: {
        id: amiId,
        region: clients.settings.region,
        state: image?.State ?? 'deregistered',
        name: image?.Name ?? null,
      },
    };
  } catch (error) {
    const name = awsErrorName(error) ?? 'Error';
    if (name.endsWith('NotFound'))
      return { ami: { id: amiId, region: clients.settings.region, state: 'deregistered' } };
    return {
      ami: { id: amiId, region: clients.settings.region, error: `${name}: ${(error as Error).message}` },
    };
  }
}
