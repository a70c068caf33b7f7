import type { HolderDisplacement } from './holder-displacement';
import type { StepCalls } from './step-calls';
import type { RunWalkerOptions } from './walk-options';
import type { WalkRecorder } from './walk-recorder';

/** What the parts of a walk share. */
export interface WalkParts {
  options: RunWalkerOptions;
  recorder: WalkRecorder;
  calls: StepCalls;
  displacement: HolderDisplacement;
}
