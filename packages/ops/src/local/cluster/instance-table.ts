import { readJson, writeJsonAtomic } from './json-file';

/** One started instance, as recorded the moment it was spawned. */
export interface InstanceRecord {
  /** 0-based; also in the instance's environment as SLIPWAY_INSTANCE. */
  index: number;
  pid: number;
  /** Equals pid: every instance leads its own group, which is what gets signalled. */
  pgid: number;
  port: number;
  url: string;
  startedAt: string;
  logFile: string;
}

/**
 * What `<dataDir>/clusters/<id>/instances.json` holds: the only link between a cluster resource
 * and its processes once the API that started them is gone.
 */
export interface InstanceTable {
  clusterId: string;
  service: string;
  image: { id: string; version: string | null; path: string; start: string };
  healthPath: string;
  runId: string;
  idempotencyToken: string;
  attempt: number;
  /** False while launch is still starting instances; a table left false means a launch died. */
  complete: boolean;
  instances: InstanceRecord[];
  updatedAt: string;
}

export async function readInstanceTable(path: string): Promise<InstanceTable | null> {
  const value = await readJson(path);
  if (value === null) return null;
  if (!isInstanceTable(value)) throw new Error(`${path} does not hold an instance table`);
  return value;
}

export function writeInstanceTable(path: string, table: Omit<InstanceTable, 'updatedAt'>): Promise<void> {
  return writeJsonAtomic(path, { ...table, updatedAt: new Date().toISOString() });
}

function isInstanceTable(value: unknown): value is InstanceTable {
  if (value === null || typeof value !== 'object') return false;
  const table = value as Partial<InstanceTable>;
  return (
    typeof table.clusterId === 'string' &&
    Array.isArray(table.instances) &&
    table.instances.every(
      (instance) =>
        Number.isInteger(instance?.pid) &&
        Number.isInteger(instance?.port) &&
        Number.isInteger(instance?.index),
    )
  );
}
