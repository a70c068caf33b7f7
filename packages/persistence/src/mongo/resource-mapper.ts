import type { Resource } from '@slipway/domain';
import { fromJsonText, toJsonText } from './json-text';

/** A resource as stored: in the `resources` projection and as the snapshot inside each change. */
export interface ResourceDocument {
  _id: string;
  kind: string;
  name: string;
  /**
   * Unique across all resources. `["kind","name"]` while the resource holds its name; `["id"]` once a
   * terminal transition released it, which keeps the key unique without a partial index (FerretDB v1
   * has none).
   */
  nameKey: string;
  state: string;
  version: number;
  seq: number;
  specJson: string;
  statusJson: string;
  /** One `["key","value"]` JSON string per label, in the labels' order: matchable with `$all`. */
  labels: string[];
  activeRunId: string | null;
  createdAt: string;
  updatedAt: string;
}

export function liveNameKey(kind: string, name: string): string {
  return JSON.stringify([kind, name]);
}

function releasedNameKey(id: string): string {
  return JSON.stringify([id]);
}

export function holdsName(document: ResourceDocument): boolean {
  return document.nameKey === liveNameKey(document.kind, document.name);
}

export function labelPairs(labels: Record<string, string>): string[] {
  return Object.entries(labels).map((pair) => JSON.stringify(pair));
}

export function toResourceDocument(resource: Resource, nameHeld: boolean): ResourceDocument {
  return {
    _id: resource.id,
    kind: resource.kind,
    name: resource.name,
    nameKey: nameHeld ? liveNameKey(resource.kind, resource.name) : releasedNameKey(resource.id),
    state: resource.state,
    version: resource.version,
    seq: resource.seq,
    specJson: toJsonText(resource.spec),
    statusJson: toJsonText(resource.status),
    labels: labelPairs(resource.labels),
    activeRunId: resource.activeRunId,
    createdAt: resource.createdAt,
    updatedAt: resource.updatedAt,
  };
}

export function toResource(document: ResourceDocument): Resource {
  return {
    id: document._id,
    kind: document.kind,
    name: document.name,
    state: document.state,
    version: document.version,
    seq: document.seq,
    spec: fromJsonText(document.specJson),
    status: fromJsonText(document.statusJson),
    labels: Object.fromEntries(document.labels.map((pair) => JSON.parse(pair) as [string, string])),
    activeRunId: document.activeRunId,
    createdAt: document.createdAt,
    updatedAt: document.updatedAt,
  };
}
