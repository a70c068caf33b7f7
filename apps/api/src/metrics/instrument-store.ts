import type { Run, Store } from '@slipway/domain';
import type { SlipwayMetrics } from './slipway-metrics';

const runTarget = (run: Run) => run.action ?? run.target;

/**
 * The store as the engine and routes see it, timing every call and counting runs as they are
 * started and ended, whichever code path ends them (walk, cancel, attempt limit). A Proxy so no
 * method of the Store interface can be forgotten here when one is added.
 */
export function instrumentStore(store: Store, metrics: SlipwayMetrics): Store {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      const method = value as (...args: unknown[]) => unknown;
      return (...args: unknown[]) => {
        const end = metrics.storeLatency.startTimer({ operation: property });
        let result: unknown;
        try {
          result = method.apply(target, args);
        } catch (error) {
          end({ result: 'error' });
          throw error;
        }
        if (!(result instanceof Promise)) {
          end({ result: 'ok' });
          return result;
        }
        return result.then(
          (settled: unknown) => {
            end({ result: 'ok' });
            count(metrics, property, args, settled);
            return settled;
          },
          (error: unknown) => {
            end({ result: 'error' });
            throw error;
          },
        );
      };
    },
  });
}

function count(metrics: SlipwayMetrics, operation: string, args: unknown[], settled: unknown): void {
  if (operation === 'startRun') {
    const run = args[0] as Run;
    metrics.runsStarted.inc({ kind: run.kind, target: runTarget(run) });
  } else if (operation === 'finishRun' && settled) {
    const run = settled as Run;
    const labels = { kind: run.kind, target: runTarget(run), outcome: run.status };
    metrics.runsFinished.inc(labels);
    if (run.durationMs !== null) metrics.runDuration.observe(labels, run.durationMs / 1000);
  }
}
