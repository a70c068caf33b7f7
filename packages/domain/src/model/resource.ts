/** A resource as the domain sees it; stores map it to documents, the API to JSON. */
export interface Resource<Spec = Record<string, unknown>> {
  id: string;
  kind: string;
  name: string;
  state: string;
  /** Bumped on every change of the resource (spec, labels, state, active run): the ETag. */
  version: number;
  /** Sequence number of the last transition applied; the next transition must carry `seq + 1`. */
  seq: number;
  spec: Spec;
  /** What the provider reported about the real thing (paths, pids, endpoints); merged from step outputs. */
  status: Record<string, unknown>;
  labels: Record<string, string>;
  activeRunId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
