import type { IdempotencyLease, IdempotencyRecord, IdempotencyReservation } from '@slipway/domain';
import { fromJsonText, toJsonText } from './json-text';

/**
 * A key's record (`_id` = the scoped key, so the unique `_id` index lets exactly one request claim
 * it) or a takeover marker (`_id` = key, token and attempt; see idempotency-operations.ts).
 * `token` names one version of a record; the times and tokens are optional only because records
 * written before leases and retention lack them.
 */
export type IdempotencyDocument =
  | {
      _id: string;
      state: 'reserved';
      token?: string;
      owner?: string;
      fingerprint: string;
      reservedAt: string;
      expiresAt?: string;
    }
  | {
      _id: string;
      state: 'completed';
      token?: string;
      fingerprint: string;
      response: { status: number; headersJson: string; body: string };
      keepUntil?: string;
    }
  | { _id: string; state: 'superseding'; key: string; expiresAt: string };

export type KeyDocument = Exclude<IdempotencyDocument, { state: 'superseding' }>;

export function reservedDocument(
  key: string,
  fingerprint: string,
  lease: IdempotencyLease,
  now: string,
): KeyDocument {
  return {
    _id: key,
    state: 'reserved',
    token: lease.claimId,
    owner: lease.owner,
    fingerprint,
    reservedAt: now,
    expiresAt: lease.expiresAt,
  };
}

export function completedDocument(key: string, claimId: string, record: IdempotencyRecord): KeyDocument {
  const { fingerprint, response, keepUntil } = record;
  return {
    _id: key,
    state: 'completed',
    // A token of its own: the reservation's claim must not match the record that replaced it.
    token: `${claimId}/completed`,
    fingerprint,
    response: { status: response.status, headersJson: toJsonText(response.headers), body: response.body },
    keepUntil,
  };
}

/** Whether the record still counts as of `now`; one without its time has lapsed. */
export function isCurrent(document: KeyDocument, now: string): boolean {
  const until = document.state === 'reserved' ? document.expiresAt : document.keepUntil;
  return until !== undefined && until > now;
}

/** What a request that finds the key already claimed is told. */
export function toReservation(document: KeyDocument): IdempotencyReservation {
  if (document.state === 'reserved') return { kind: 'in-progress' };
  const { status, headersJson, body } = document.response;
  return {
    kind: 'completed',
    fingerprint: document.fingerprint,
    response: { status, headers: fromJsonText(headersJson), body },
  };
}
