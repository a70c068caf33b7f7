import { isTerminalRunStatus, type Principal, type ResourceService, type Run } from '@slipway/domain';

const POLL_MS = 50;
const GIVE_UP_MS = 30_000;

/** For a route that answers only once its run is recorded (a secret read is on the audit trail first). */
export async function waitForRun(service: ResourceService, run: Run, principal: Principal): Promise<Run> {
  const deadline = Date.now() + GIVE_UP_MS;
  let current = run;
  while (!isTerminalRunStatus(current.status) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    current = await service.getRun(run.id, principal);
  }
  return current;
}
