import {
  BALANCER_DIR_ENV,
  CLUSTER_DIR_ENV,
  findMarkedProcesses,
} from '../../../src/local/cluster/marked-processes';
import { signalGroup } from '../../../src/local/process-group';

/**
 * Test cleanup: kills every instance and balancer started under `dataDir`, whatever state the
 * test left them in. Returns how many process groups it had to kill.
 */
export async function killEverythingUnder(dataDir: string): Promise<number> {
  const under = (value: string) => value.startsWith(`${dataDir}/`);
  const found = [
    ...(await findMarkedProcesses(CLUSTER_DIR_ENV, under)),
    ...(await findMarkedProcesses(BALANCER_DIR_ENV, under)),
  ];
  const groups = new Set(found.map((process) => process.pgid));
  for (const pgid of groups) signalGroup(pgid, 'SIGKILL');
  return groups.size;
}
