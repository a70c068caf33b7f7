import type { RegisteredKind } from '../kinds/kind-registry';
import type { Resource } from '../model/resource';
import type { Run } from '../model/run';
import { busyHolder, exclusiveHolders } from './exclusive-holders';
import type { LogExcerpt } from './log-excerpt';
import type { RunWalkerOptions } from './walk-options';
import { nextState, type WalkRecorder } from './walk-recorder';

/** How often a promotion waiting for the holder's run to end looks again. */
const HOLDER_POLL_MS = 50;

/** A kind's exclusive state (one live cluster per service): entering it moves the holder out. */
export class HolderDisplacement {
  constructor(
    private readonly options: RunWalkerOptions,
    private readonly recorder: WalkRecorder,
  ) {}

  /**
   * Before a resource enters its kind's exclusive state (a cluster going live), whoever holds that
   * state in the same group is moved out (live → standby), recorded in this run. Displacing first
   * means a crash in between leaves no group with two holders: the resumed step runs again and
   * only then is the success recorded.
   */
  async displaceHolders(run: Run, resource: Resource, kind: RegisteredKind): Promise<void> {
    const exclusive = kind.definition.exclusive;
    if (!exclusive || nextState(kind, resource.state, 'SUCCESS') !== exclusive.state) return;
    for (const holder of await exclusiveHolders(this.options.store, kind, resource)) {
      await this.recorder.record(run, holder, kind, exclusive.displaceEvent, 'succeeded', {
        startedAt: this.recorder.now(),
        // The own resource's seq places this record in the run's sequence without a clock.
        outputs: { displacedBy: resource.id, displacedAtSeq: resource.seq },
        displacement: true,
      });
    }
  }

  /**
   * Before a step whose success displaces the holder (promoting), waits while the holder has a
   * run of its own. That run was accepted in a race with this one (the request refuses otherwise);
   * it cannot be followed by another, since the holder takes no run while this resource is
   * entering, so the wait is bounded by that one run. Failing instead would leave this resource
   * `failed` for a conflict that says nothing about it. False when aborted meanwhile.
   */
  async untilHolderFree(
    resource: Resource,
    kind: RegisteredKind,
    signal: AbortSignal,
    log: LogExcerpt,
  ): Promise<boolean> {
    const exclusive = kind.definition.exclusive;
    if (!exclusive || nextState(kind, resource.state, 'SUCCESS') !== exclusive.state) return true;
    let waitingFor: string | null = null;
    for (;;) {
      if (signal.aborted) return false;
      const busy = await busyHolder(this.options.store, kind, resource);
      if (!busy?.activeRunId) return true;
      if (waitingFor !== busy.activeRunId) {
        waitingFor = busy.activeRunId;
        log.append(
          `waiting for run ${busy.activeRunId} of ${busy.kind} ${busy.id}, which holds "${exclusive.state}", to end`,
        );
      }
      await abortableDelay(HOLDER_POLL_MS, signal);
    }
  }
}

function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
