import type { Run } from '@slipway/domain';
import { withRunDefaults } from '../query/audit-defaults';

/**
 * A run as stored, in the `runs` projection and inside the changes that touch it. Every field of a
 * run is a scalar or a fixed-shape error, so it is stored as it is, with `rev`: the position in its
 * resource's change log of the change that produced this version (what orders projection writes).
 */
export type RunDocument = Omit<Run, 'id'> & { _id: string; rev: number };

export function toRunDocument(run: Run, rev: number): RunDocument {
  const { id, ...fields } = structuredClone(run);
  return { _id: id, ...fields, rev };
}

export function toRun(document: RunDocument): Run {
  const { _id, rev: _rev, ...fields } = document;
  return withRunDefaults({ id: _id, ...fields });
}
