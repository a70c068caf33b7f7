import type { Resource } from '@slipway/domain';

/** What every step of the local cluster provider needs, with defaults filled in. */
export interface ClusterSettings {
  /** Absolute: it is part of the mark each process carries, so it must not depend on a cwd. */
  dataDir: string;
  getResource(id: string): Promise<Resource | null>;
  /** Between SIGTERM and SIGKILL when stopping instances or a balancer. */
  killGraceMs: number;
  /** How long instances (and a balancer) get to open their ports. */
  startTimeoutMs: number;
  /** Address the balancers listen on. */
  balancerHost: string;
}

export function cancelledBecause(signal: AbortSignal): string {
  const reason = signal.reason;
  return typeof reason === 'string' ? reason : reason instanceof Error ? reason.message : 'aborted';
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
