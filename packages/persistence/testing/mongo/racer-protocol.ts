import type { Run } from '@slipway/domain';

/** One trial for one racer: start all these runs at once. */
export interface RacerRequest {
  trial: number;
  runs: Run[];
}

/** What one start did: committed, refused with a SlipwayError, or failed with anything else. */
export type RacerOutcome =
  | { runId: string; ok: true }
  | { runId: string; ok: false; slipway: true; code: string; details: Record<string, unknown> }
  | { runId: string; ok: false; slipway: false; name: string; message: string };

export interface RacerAnswer {
  trial: number;
  outcomes: RacerOutcome[];
}
