/**
 * HTTP request idempotency (`Idempotency-Key`): an API concern, not the domain's — no domain code
 * uses it (the architecture test checks). The port is declared here only because the stores
 * (packages/persistence) implement it and may depend on nothing but the domain.
 */
export type IdempotencyReservation =
  | { kind: 'reserved' }
  | { kind: 'in-progress' }
  | { kind: 'completed'; fingerprint: string; response: StoredResponse };

export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Who holds a reservation of an idempotency key, and until when. */
export interface IdempotencyLease {
  /** Unique to this one reservation: completing and releasing name it. */
  claimId: string;
  /** The process holding it, so a restart can release what its dead predecessor left. */
  owner: string;
  /** ISO time after which the reservation counts as abandoned and another request may take the key over. */
  expiresAt: string;
}

/** What a completed request leaves under its key. */
export interface IdempotencyRecord {
  fingerprint: string;
  response: StoredResponse;
  /** ISO time until which the response is replayed; after it the key is free again. */
  keepUntil: string;
}

export interface IdempotencyStore {
  /**
   * Claims an idempotency key (scoped by the caller) for `lease`, as of `now`. `reserved` means this
   * request owns it and must `completeIdempotency` or `releaseIdempotency` with `lease.claimId`. A
   * reservation past its `expiresAt`, or a record past its `keepUntil`, counts as absent: of many
   * requests taking it over at once, exactly one reserves it.
   */
  reserveIdempotency(
    key: string,
    fingerprint: string,
    lease: IdempotencyLease,
    now: string,
  ): Promise<IdempotencyReservation>;
  /** Stores the response, if the key is still reserved by `claimId`; otherwise changes nothing. */
  completeIdempotency(key: string, claimId: string, record: IdempotencyRecord): Promise<void>;
  /** Frees the key, if it is still reserved by `claimId`; a completed key is kept. */
  releaseIdempotency(key: string, claimId: string): Promise<void>;
  /** The owners of the reservations held now. */
  idempotencyOwners(): Promise<string[]>;
  /**
   * Frees every reservation of `owner` (a process that is gone), safely against a concurrent
   * takeover of the same key. Returns how many it freed.
   */
  releaseIdempotencyOwnedBy(owner: string): Promise<number>;
  /** Deletes reservations past their expiry and records past their retention as of `now`; returns how many. */
  purgeIdempotency(now: string): Promise<number>;
}
