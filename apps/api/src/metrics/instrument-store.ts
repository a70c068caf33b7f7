import type { Run, Store } from '@slipway/domain';
import type { SlipwayMetrics } from './slipway-metrics';

const runTarget = (run: Run) => run.action ?? run.target;

type StoreMethod = (...args: unknown[]) => unknown;

/**
 * The store as the engine and routes see it, timing every call and counting runs as they are
 * started and ended, whichever code path ends them (walk, cancel, attempt limit). A Proxy so no
 * method of the Store interface can be forgotten here when one is added; each method's wrapper is
 * made on its first read and kept. Metrics never change what a call answers: a metrics failure is
 * reported once through `warn` and otherwise ignored, so a write the store made is never turned
 * into a rejection its caller would retry or report.
 */
export function instrumentStore(
  store: Store,
  metrics: SlipwayMetrics,
  warn: (message: string) => void = (message) => process.stderr.write(`slipway: ${message}\n`),
): Store {
  let warned = false;
  const quietly = (what: () => void) => {
    try {
      what();
    } catch (error) {
      if (warned) return;
      warned = true;
      warn(`store metrics failed and are left incomplete (reported once): ${String(error)}`);
    }
  };
  const wrappers = new Map<string, StoreMethod>();
  const wrap = (property: string, method: StoreMethod): StoreMethod => {
    return (...args: unknown[]) => {
      let end: (labels: { result: string }) => void = () => {};
      quietly(() => {
        end = metrics.storeLatency.startTimer({ operation: property });
      });
      const finish = (result: 'ok' | 'error') => quietly(() => end({ result }));
      let result: unknown;
      try {
        result = method.apply(store, args);
      } catch (error) {
        finish('error');
        throw error;
      }
      if (!(result instanceof Promise)) {
        finish('ok');
        return result;
      }
      return result.then(
        (settled: unknown) => {
          finish('ok');
          quietly(() => count(metrics, property, args, settled));
          return settled;
        },
        (error: unknown) => {
          finish('error');
          throw error;
        },
      );
    };
  };
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      let wrapper = wrappers.get(property);
      if (!wrapper) {
        wrapper = wrap(property, value as StoreMethod);
        wrappers.set(property, wrapper);
      }
      return wrapper;
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
