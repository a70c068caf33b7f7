import type { FaultPoint } from '../../src/mongo/fault-point';
import type { LogOp } from './log-ops';

export interface LogWriterPlan {
  resourceId: string;
  runId: string;
  ops: LogOp[];
  /** Names the steps and states this writer writes: `${label}-${index}`. */
  label: string;
  /** Print {"ready":true} once the store is open, and write only after a line on stdin. */
  startOnGo?: boolean;
  /** Set for the last write only. */
  fault?: FaultPoint;
}
