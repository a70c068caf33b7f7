import type { StoredResponse } from '@slipway/domain';
import { describe, expect, it } from 'vitest';
import type { CurrentStore } from './current-store';
import { race } from './fixtures';

const RESPONSE: StoredResponse = {
  status: 201,
  headers: { location: '/v1/image/01J', 'content-type': 'application/json' },
  body: '{"id":"01J"}',
};

export function idempotencyContract(store: CurrentStore): void {
  describe('idempotency keys', () => {
    it('reserves a key once; it is in progress until completed, then replays the stored response', async () => {
      expect(await store().reserveIdempotency('alice\u0000k1', 'fp-1')).toEqual({ kind: 'reserved' });
      expect(await store().reserveIdempotency('alice\u0000k1', 'fp-1')).toEqual({ kind: 'in-progress' });
      expect(await store().reserveIdempotency('alice\u0000k1', 'fp-other')).toEqual({ kind: 'in-progress' });
      await store().completeIdempotency('alice\u0000k1', 'fp-1', RESPONSE);
      const replay = { kind: 'completed', fingerprint: 'fp-1', response: RESPONSE };
      expect(await store().reserveIdempotency('alice\u0000k1', 'fp-1')).toEqual(replay);
      expect(await store().reserveIdempotency('alice\u0000k1', 'fp-other')).toEqual(replay);
    });

    it('keeps keys apart', async () => {
      expect(await store().reserveIdempotency('alice\u0000k', 'fp')).toEqual({ kind: 'reserved' });
      expect(await store().reserveIdempotency('bob\u0000k', 'fp')).toEqual({ kind: 'reserved' });
    });

    it('lets exactly one of many concurrent reservations of a key win', async () => {
      const { won, lost } = await race(20, (i) => store().reserveIdempotency('contested', `fp-${i}`));
      expect(lost).toEqual([]);
      const kinds = won.map((w) => w.value.kind).sort();
      expect(kinds).toEqual(['reserved', ...Array(19).fill('in-progress')].sort());
    });

    it('frees a released reservation for the next request', async () => {
      await store().reserveIdempotency('k', 'fp-1');
      await store().releaseIdempotency('k');
      expect(await store().reserveIdempotency('k', 'fp-2')).toEqual({ kind: 'reserved' });
      await store().completeIdempotency('k', 'fp-2', RESPONSE);
      expect(await store().reserveIdempotency('k', 'fp-2')).toMatchObject({
        kind: 'completed',
        fingerprint: 'fp-2',
      });
    });

    it('keeps a completed key when it is released, so a retry can never run twice', async () => {
      await store().reserveIdempotency('k', 'fp');
      await store().completeIdempotency('k', 'fp', RESPONSE);
      await store().releaseIdempotency('k');
      expect(await store().reserveIdempotency('k', 'fp')).toEqual({
        kind: 'completed',
        fingerprint: 'fp',
        response: RESPONSE,
      });
    });

    it('releases an unknown key without complaint', async () => {
      await expect(store().releaseIdempotency('never-reserved')).resolves.toBeUndefined();
      expect(await store().reserveIdempotency('never-reserved', 'fp')).toEqual({ kind: 'reserved' });
    });
  });
}
