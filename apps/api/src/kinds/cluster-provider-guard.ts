import { providerTypeOf, type ResourceStore, SlipwayError, type SpecGuard } from '@slipway/domain';

/**
 * A cluster starts instances from its image, behind its service's front door, so all three must
 * be on one provider: an AMI cannot start a local process, nor a built directory an instance.
 * Checked at create and patch; a cluster of a service or image that does not exist yet is left to
 * the guards and steps that say so.
 */
export function clusterProviderGuard(store: ResourceStore): SpecGuard {
  return {
    name: 'cluster.provider-match',
    kind: 'cluster',
    async check({ spec }) {
      const type = providerTypeOf(spec);
      const imageId = typeof spec.image === 'string' ? spec.image : undefined;
      const image = imageId ? await store.getResource(imageId) : null;
      if (image?.kind === 'image' && providerTypeOf(image.spec) !== type) {
        throw new SlipwayError(
          'invalid_spec',
          `spec.image: image ${imageId} is baked on the ${providerTypeOf(image.spec)} provider, but this cluster's spec.provider.type is ${type}; a cluster's provider must match its image's and its service's`,
        );
      }
      return undefined;
    },
  };
}
