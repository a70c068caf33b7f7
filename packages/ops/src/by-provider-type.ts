import {
  failed,
  type KindProvider,
  type ProviderType,
  providerTypeOf,
  type StepContext,
} from '@slipway/domain';

/**
 * One kind's providers behind one provider, each resource routed by its `spec.provider.type`
 * (local when absent). A type this server has no provider for (EC2 without AWS configuration) is
 * refused at create time and fails a run with `aws_not_configured`, naming what to set.
 */
export function byProviderType<Spec, Step extends string>(
  providers: Partial<Record<ProviderType, KindProvider<Spec, Step>>> & { local: KindProvider<Spec, Step> },
  missing: Partial<Record<ProviderType, string>> = {},
): KindProvider<Spec, Step> {
  const unavailable = (type: ProviderType) =>
    missing[type] ?? `provider.type ${type} is not available on this server`;
  const pick = (spec: unknown) => providers[providerTypeOf(spec)];
  const steps = {} as { [S in Step]: KindProvider<Spec, Step>['steps'][S] };
  for (const step of Object.keys(providers.local.steps) as Step[]) {
    steps[step] = (context: StepContext<Spec>) => {
      const provider = pick(context.resource.spec);
      if (!provider)
        return Promise.resolve(
          failed('aws_not_configured', unavailable(providerTypeOf(context.resource.spec))),
        );
      return provider.steps[step](context);
    };
  }
  const observing = Object.values(providers).some((provider) => provider?.observe);
  return {
    backend: providers.local.backend,
    steps,
    async cleanup(context) {
      await pick(context.resource.spec)?.cleanup?.(context);
    },
    validateSpec(spec) {
      const provider = pick(spec);
      if (!provider) return [`spec.provider.type: ${unavailable(providerTypeOf(spec))}`];
      return provider.validateSpec?.(spec) ?? [];
    },
    ...(Object.values(providers).some((provider) => provider?.storeSpec)
      ? {
          async storeSpec(input) {
            const store = pick(input.spec)?.storeSpec;
            return store ? store(input) : input.spec;
          },
        }
      : {}),
    ...(observing
      ? {
          async observe(resource) {
            return (await pick(resource.spec)?.observe?.(resource)) ?? {};
          },
        }
      : {}),
  };
}
