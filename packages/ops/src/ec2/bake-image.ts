import { failed, type ImageSpec, type StepContext, type StepOutcome, succeeded } from '@slipway/domain';
import { awsErrorName, type PollOptions, PollTimeout } from './aws-calls';
import type { AwsClients } from './aws-clients';
import { createImageOnce, ImageFailed, taggedImages, tagSnapshots, waitImageAvailable } from './baked-images';
import { resolveBaseImage } from './base-image';
import { ec2ProviderOf } from './ec2-image-spec';
import { ensureBuilder, terminateTagged, waitBuilderReady } from './image-builder';

export interface BakeOptions {
  clients: AwsClients;
  poll: PollOptions;
}

/**
 * image / build on EC2: builder instance from the base AMI with the build as user data, wait until
 * it runs with status checks passed, CreateImage, wait until available, terminate the builder.
 * Each create is looked up by its run and step tags first, so a resumed attempt finishes what an
 * earlier one started instead of starting a second set.
 */
export async function bakeImage(context: StepContext<ImageSpec>, options: BakeOptions): Promise<StepOutcome> {
  const { clients } = options;
  const { resource, run } = context;
  const provider = ec2ProviderOf(resource.spec);
  const poll = { ...options.poll, signal: context.signal };
  const runTags = { image: resource.id, run: run.id, step: context.step };
  try {
    let amiId = (await taggedImages(clients, runTags, context))[0]?.ImageId;
    let baseAmi: string | undefined;
    let builder: string | undefined;
    if (amiId) {
      context.log(`${amiId} was created by an earlier attempt of this run: waiting for it, not baking again`);
    } else {
      const base = await resolveBaseImage(clients, provider.baseImage, context);
      if (!base.ok) return failed('base_image_missing', base.message);
      baseAmi = base.amiId;
      builder = await ensureBuilder(clients, context, provider, baseAmi);
      await waitBuilderReady(clients, builder, context, poll);
      amiId = await createImageOnce(clients, builder, `slipway-${resource.id}-${run.id}`, runTags, context);
    }
    const image = await waitImageAvailable(clients, amiId, context, poll);
    await tagSnapshots(clients, image, runTags, context);
    const terminated = await terminateTagged(clients, { ...runTags, role: 'builder' }, context);
    const snapshotIds = (image.BlockDeviceMappings ?? []).flatMap((mapping) =>
      mapping.Ebs?.SnapshotId ? [mapping.Ebs.SnapshotId] : [],
    );
    return succeeded({
      provider: 'ec2',
      region: clients.settings.region,
      amiId,
      ...(baseAmi ? { baseAmi } : {}),
      ...((builder ?? terminated[0]) ? { builderInstanceId: builder ?? terminated[0] } : {}),
      snapshotIds,
      version: resource.spec.version ?? '0.0.0',
    });
  } catch (error) {
    if (context.signal.aborted)
      return failed('cancelled', `the bake stopped: ${String(context.signal.reason)}`);
    if (error instanceof PollTimeout) return failed('build_timeout', `gave up waiting: ${error.message}`);
    if (error instanceof ImageFailed) return failed('build_failed', error.message);
    return failed('aws_error', `${awsErrorName(error) ?? 'Error'}: ${(error as Error).message}`);
  }
}
