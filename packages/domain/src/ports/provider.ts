import type { RunErrorCode } from '../errors/error-catalog';
import type { AnyKindDefinition, SpecOf, StepOf } from '../kinds/kind-definition';
import type { Resource } from '../model/resource';
import type { Run } from '../model/run';

/** What a provider step gets: the resource as stored, the run, and the means to report and stop. */
export interface StepContext<Spec = Record<string, unknown>> {
  resource: Resource<Spec>;
  run: Run;
  step: string;
  attempt: number;
  /** Same on every attempt of this step of this run: pass it to cloud APIs so retries never duplicate. */
  idempotencyToken: string;
  /** Aborted when the run is cancelled or the process is shutting down. */
  signal: AbortSignal;
  /** Appends a line to the step's log excerpt. */
  log(line: string): void;
  /**
   * What the `before` step hooks of other kinds contributed, by hook name (a setting pinned for
   * a launching cluster). Empty when no hook is registered for this step.
   */
  hooked?: Readonly<Record<string, Record<string, unknown>>>;
  /**
   * Environment variables `before` hooks handed over for the processes the step starts (the
   * settings pinned for a launching cluster, secrets decrypted). Never recorded: a step must not
   * put them in its outputs or log.
   */
  environment?: Readonly<Record<string, string>>;
}

/** What `KindProvider.storeSpec` is given: the resource's id (new at create), the spec sent and who sent it. */
export interface SpecIntake<Spec> {
  id: string;
  spec: Spec;
  previous: Resource<Spec> | null;
  actor: string;
}

export interface SpecSettlement<Spec> {
  id: string;
  /** What storeSpec answered. */
  spec: Spec;
  previous: Resource<Spec> | null;
  accepted: boolean;
}

export type StepOutcome =
  | { ok: true; outputs: Record<string, unknown> }
  | { ok: false; error: { code: RunErrorCode; message: string }; outputs?: Record<string, unknown> };

export type StepHandler<Spec> = (context: StepContext<Spec>) => Promise<StepOutcome>;

/**
 * Does the real work for one kind on one backend. One handler per provider step of the kind:
 * type it `ProviderFor<typeof kind>` and the compiler refuses a missing or an unknown step.
 */
export interface KindProvider<Spec = Record<string, unknown>, Step extends string = string> {
  /** e.g. `local`, `ec2`: recorded on runs and used by analytics. */
  backend: string;
  steps: { [S in Step]: StepHandler<Spec> };
  /** Undoes what an aborted step left behind. Called after cancel, before the CANCEL transition. */
  cleanup?(context: StepContext<Spec>): Promise<void>;
  /** Backend-specific checks of a spec at create/patch time; messages say what to fix. */
  validateSpec?(spec: Spec): string[];
  /**
   * Turns the spec a request sent into the spec that is stored, once it validated (a setting keeps
   * its value in its versions, encrypted when secret, and stores only the version's number).
   * `previous` is the resource a patch changes, null at create. A `SlipwayError` it throws
   * refuses the request with its code and message.
   */
  storeSpec?(input: SpecIntake<Spec>): Promise<Spec>;
  /**
   * The write `storeSpec` prepared `spec` for was stored (`accepted`) or refused before it was
   * (a 412, a name conflict, a lost race): what storeSpec wrote aside must count only for an
   * accepted write. Called once per storeSpec, except after a crash in between; what storeSpec
   * writes must stay invisible until it is settled as accepted, so a crash leaves nothing seen.
   * Best effort: a failure here must not change the answer to the request.
   */
  settleSpec?(input: SpecSettlement<Spec>): Promise<void>;
  /**
   * A cheap look at the real thing for `GET /v1/{kind}/{id}` (a cluster's instances: pid, port,
   * running). Must not change anything and should answer within a second.
   */
  observe?(resource: Resource<Spec>): Promise<Record<string, unknown>>;
}

export function succeeded(outputs: Record<string, unknown> = {}): StepOutcome {
  return { ok: true, outputs };
}

export function failed(code: RunErrorCode, message: string, outputs?: Record<string, unknown>): StepOutcome {
  return outputs ? { ok: false, error: { code, message }, outputs } : { ok: false, error: { code, message } };
}

/** The provider type of a kind: its spec from the kind's schema, its steps from the kind's list. */
export type ProviderFor<K extends AnyKindDefinition> = KindProvider<SpecOf<K>, StepOf<K>>;
