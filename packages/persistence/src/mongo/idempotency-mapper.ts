import type { IdempotencyReservation, StoredResponse } from '@slipway/domain';
import { fromJsonText, toJsonText } from './json-text';

/** `_id` is the scoped key, so the unique `_id` index is what lets exactly one request claim it. */
export type IdempotencyDocument =
  | { _id: string; state: 'reserved'; fingerprint: string; reservedAt: string }
  | {
      _id: string;
      state: 'completed';
      fingerprint: string;
      response: { status: number; headersJson: string; body: string };
    };

export function completedDocument(
  key: string,
  fingerprint: string,
  response: StoredResponse,
): IdempotencyDocument {
  return {
    _id: key,
    state: 'completed',
    fingerprint,
    response: { status: response.status, headersJson: toJsonText(response.headers), body: response.body },
  };
}

/** What a request that finds the key already claimed is told. */
export function toReservation(document: IdempotencyDocument): IdempotencyReservation {
  if (document.state === 'reserved') return { kind: 'in-progress' };
  const { status, headersJson, body } = document.response;
  return {
    kind: 'completed',
    fingerprint: document.fingerprint,
    response: { status, headers: fromJsonText(headersJson), body },
  };
}
