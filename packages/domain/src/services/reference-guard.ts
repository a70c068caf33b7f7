import { lifeEndingRun, referenceBeingDestroyed } from '../engine/references';
import { SlipwayError } from '../errors/slipway-error';
import type { SpecReference } from '../kinds/kind-definition';
import type { KindRegistry, RegisteredKind } from '../kinds/kind-registry';
import type { Resource } from '../model/resource';
import type { ResourceStore } from '../ports/resource-store';
import type { RunStore } from '../ports/run-store';

/** How long a confirmation waits for a destroy run that has started walking to decide. */
const CONFIRM_WAIT_MS = 10_000;
const CONFIRM_POLL_MS = 10;

/**
 * The referencing side of `references` (a cluster naming its image). `check` refuses before the
 * write; `confirm`, after it, closes the race with a destroy of the referenced resource (see
 * docs/architecture.md, "References"): the destroy's walk lists the referencing resources only
 * after its run is marked running, so a reference written while that run is still queued is seen
 * by it, and one written later waits here until the walk has decided.
 */
export class ReferenceGuard {
  constructor(
    private readonly store: ResourceStore & RunStore,
    private readonly kinds: KindRegistry,
  ) {}

  /** Every referenced resource exists, is of the right kind, in an allowed state, and not being destroyed. */
  async check(kind: RegisteredKind, spec: Record<string, unknown>): Promise<void> {
    const problems: string[] = [];
    for (const [reference, id] of referencesIn(kind, spec)) {
      const target = await this.store.getResource(id);
      const run = target ? await lifeEndingRun(this.store, this.kinds, target) : null;
      if (target && run) throw referenceBeingDestroyed(reference, target, run);
      const problem = unusable(reference, id, target);
      if (problem) problems.push(problem);
    }
    if (problems.length > 0) throw new SlipwayError('invalid_spec', problems.join('; '), { problems });
  }

  /**
   * After the referencing write: the refusal the write must be undone for, or null when every
   * reference still holds. A destroy run that is still queued will see the write and refuse
   * itself; one that is walking may have listed before the write, so its outcome is awaited.
   */
  async confirm(kind: RegisteredKind, spec: Record<string, unknown>): Promise<SlipwayError | null> {
    for (const [reference, id] of referencesIn(kind, spec)) {
      const deadline = Date.now() + CONFIRM_WAIT_MS;
      for (;;) {
        const target = await this.store.getResource(id);
        const problem = unusable(reference, id, target);
        const run = target ? await lifeEndingRun(this.store, this.kinds, target) : null;
        if (target && run && (problem || run.status !== 'queued')) {
          if (!problem && Date.now() < deadline) {
            await new Promise((resolve) => setTimeout(resolve, CONFIRM_POLL_MS));
            continue;
          }
          return referenceBeingDestroyed(reference, target, run);
        }
        if (problem) return new SlipwayError('invalid_spec', problem, { problems: [problem] });
        break;
      }
    }
    return null;
  }
}

/** The references a spec makes: each declared reference field that holds an id. */
export function referencesIn(
  kind: RegisteredKind,
  spec: Record<string, unknown>,
): Array<[SpecReference, string]> {
  return (kind.definition.references ?? []).flatMap((reference): Array<[SpecReference, string]> => {
    const id = spec[reference.field];
    return typeof id === 'string' ? [[reference, id]] : [];
  });
}

function unusable(reference: SpecReference, id: string, target: Resource | null): string | null {
  if (!target || target.kind !== reference.kind)
    return `spec.${reference.field}: no ${reference.kind} with id "${id}"`;
  if (reference.states.includes(target.state)) return null;
  return `spec.${reference.field}: ${reference.kind} ${id} is ${target.state}; it must be ${reference.states.join(' or ')}`;
}
