import { type CallLog, isNotFound, logged } from './aws-calls';
import type { AwsClients } from './aws-clients';

export type BaseImage = { ok: true; amiId: string } | { ok: false; message: string };

/**
 * The builder's AMI: an SSM public parameter names one (looked up, never by listing Amazon's
 * images, which is slow and large), an AMI id is checked to exist so a typo fails here and not
 * as a builder that never boots.
 */
export async function resolveBaseImage(
  clients: AwsClients,
  baseImage: string,
  context: CallLog,
): Promise<BaseImage> {
  let amiId = baseImage;
  if (baseImage.startsWith('/')) {
    try {
      const answer = await logged(
        context,
        'ssm:GetParameter',
        () => clients.ssm.send(new clients.sdk.ssm.GetParameterCommand({ Name: baseImage })),
        (found) => `${baseImage} = ${found.Parameter?.Value ?? '(empty)'}`,
      );
      amiId = answer.Parameter?.Value ?? '';
    } catch (error) {
      if ((error as Error).name === 'ParameterNotFound') {
        return {
          ok: false,
          message: `spec.provider.baseImage: no SSM parameter ${baseImage} in ${clients.settings.region}`,
        };
      }
      throw error;
    }
    if (!/^ami-[0-9a-f]+$/.test(amiId)) {
      return {
        ok: false,
        message: `spec.provider.baseImage: SSM parameter ${baseImage} holds "${amiId}", not an AMI id`,
      };
    }
  }
  try {
    const answer = await logged(
      context,
      'ec2:DescribeImages',
      () => clients.ec2.send(new clients.sdk.ec2.DescribeImagesCommand({ ImageIds: [amiId] })),
      () => amiId,
    );
    const image = answer.Images?.[0];
    if (image?.State === 'available') return { ok: true, amiId };
    return { ok: false, message: `base AMI ${amiId} is ${image?.State ?? 'not there'}, not available` };
  } catch (error) {
    if (isNotFound(error) || (error as Error).name === 'InvalidAMIID.Malformed') {
      return {
        ok: false,
        message: `spec.provider.baseImage: AMI ${amiId} does not exist in ${clients.settings.region}`,
      };
    }
    throw error;
  }
}
