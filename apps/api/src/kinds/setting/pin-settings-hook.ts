import { type ClusterSpec, failed, isSlipwayError, type StepHook } from '@slipway/domain';
import { resolveFor, valuesOf } from '@slipway/ops';
import type { BackendEnvironment } from '../kind-module';
import { vaultOf } from './setting-runtime';

export const PIN_HOOK = 'setting.pin';

/** The environment a cluster runs in when its spec names none. */
export const DEFAULT_ENVIRONMENT = 'default';

/**
 * Before a cluster launches: resolves the settings of its environment and service, records that
 * snapshot (ids and versions, never values) with the launch, and hands the values to the launch
 * step as its instances' environment. Each attempt resolves again; what a successful launch
 * started with is what its record says.
 */
export function pinSettingsHook(environment: BackendEnvironment): StepHook {
  return {
    name: PIN_HOOK,
    kind: 'cluster',
    step: 'launch',
    phase: 'before',
    async run(context) {
      const spec = context.resource.spec as ClusterSpec;
      const target = { environment: spec.environment ?? DEFAULT_ENVIRONMENT, service: spec.service };
      const snapshot = await resolveFor(environment.store, target);
      let values: Record<string, string>;
      try {
        values = await valuesOf(vaultOf(environment.collections), snapshot);
      } catch (error) {
        if (!isSlipwayError(error)) throw error;
        const code = error.code === 'secret_unreadable' ? 'secret_unreadable' : 'settings_unresolved';
        return failed(code, error.message, { target, settings: snapshot });
      }
      context.log(
        `pinned ${snapshot.length} setting(s) for ${target.environment}/${target.service}: ${snapshot.map((entry) => `${entry.key}@${entry.version}`).join(', ') || 'none'}`,
      );
      return { ok: true, outputs: { target, settings: snapshot }, environment: values };
    },
  };
}
