import { servicePaths } from '../../../src/local/cluster/cluster-paths';
import { withServiceLock } from '../../../src/local/cluster/service-lock';

/**
 * Takes the in-process balancer lock of a service the way a promote or a destroy step does, and
 * holds it until `release` is called: a step that needs it waits there, in its working state
 * (a cluster stays `promoting`), so a test can act while it does.
 */
export async function holdServiceLock(dataDir: string, service: string): Promise<{ release(): void }> {
  let release!: () => void;
  const released = new Promise<void>((done) => {
    release = done;
  });
  let taken!: () => void;
  const holding = new Promise<void>((done) => {
    taken = done;
  });
  void withServiceLock(servicePaths(dataDir, service).serviceDir, async () => {
    taken();
    await released;
  });
  await holding;
  return { release };
}
