import type { IdempotencyLease, IdempotencyStore, StoredResponse } from '@slipway/domain';
import { describe, expect, it } from 'vitest';
import type { CurrentStore } from './current-store';
import { at, newId, race } from './fixtures';

const RESPONSE: StoredResponse = {
  status: 201,
  headers: { location: '/v1/image/01J', 'content-type': 'application/json' },
  body: '{"id":"01J"}',
};

/** A reservation by `owner` that lapses `seconds` after the fixtures' epoch. */
function lease(owner = 'host/1/a', seconds = 60): IdempotencyLease {
  return { claimId: newId(), owner, expiresAt: at(seconds) };
}

/** A completed record kept until `seconds` after the fixtures' epoch. */
function record(fingerprint: string, seconds = 86_400) {
  return { fingerprint, response: RESPONSE, keepUntil: at(seconds) };
}

export function idempotencyContract(store: CurrentStore<IdempotencyStore>): void {
  describe('idempotency keys', () => {
    it('reserves a key once; it is in progress until completed, then replays the stored response', async () => {
      const first = lease();
      expect(await store().reserveIdempotency('alice\u0000k1', 'fp-1', first, at(0))).toEqual({
        kind: 'reserved',
      });
      expect(await store().reserveIdempotency('alice\u0000k1', 'fp-1', lease(), at(1))).toEqual({
        kind: 'in-progress',
      });
      expect(await store().reserveIdempotency('alice\u0000k1', 'fp-other', lease(), at(1))).toEqual({
        kind: 'in-progress',
      });
      await store().completeIdempotency('alice\u0000k1', first.claimId, record('fp-1'));
      const replay = { kind: 'completed', fingerprint: 'fp-1', response: RESPONSE };
      expect(await store().reserveIdempotency('alice\u0000k1', 'fp-1', lease(), at(2))).toEqual(replay);
      expect(await store().reserveIdempotency('alice\u0000k1', 'fp-other', lease(), at(2))).toEqual(replay);
    });

    it('keeps keys apart', async () => {
      expect(await store().reserveIdempotency('alice\u0000k', 'fp', lease(), at(0))).toEqual({
        kind: 'reserved',
      });
      expect(await store().reserveIdempotency('bob\u0000k', 'fp', lease(), at(0))).toEqual({
        kind: 'reserved',
      });
    });

    it('lets exactly one of many concurrent reservations of a key win', async () => {
      const { won, lost } = await race(20, (i) =>
        store().reserveIdempotency('contested', `fp-${i}`, lease(`host/${i}/a`), at(0)),
      );
      expect(lost).toEqual([]);
      const kinds = won.map((w) => w.value.kind).sort();
      expect(kinds).toEqual(['reserved', ...Array(19).fill('in-progress')].sort());
    });

    it('frees a released reservation for the next request', async () => {
      const first = lease();
      await store().reserveIdempotency('k', 'fp-1', first, at(0));
      await store().releaseIdempotency('k', first.claimId);
      const second = lease();
      expect(await store().reserveIdempotency('k', 'fp-2', second, at(1))).toEqual({ kind: 'reserved' });
      await store().completeIdempotency('k', second.claimId, record('fp-2'));
      expect(await store().reserveIdempotency('k', 'fp-2', lease(), at(2))).toMatchObject({
        kind: 'completed',
        fingerprint: 'fp-2',
      });
    });

    it('keeps a completed key when it is released, so a retry can never run twice', async () => {
      const first = lease();
      await store().reserveIdempotency('k', 'fp', first, at(0));
      await store().completeIdempotency('k', first.claimId, record('fp'));
      await store().releaseIdempotency('k', first.claimId);
      expect(await store().reserveIdempotency('k', 'fp', lease(), at(1))).toEqual({
        kind: 'completed',
        fingerprint: 'fp',
        response: RESPONSE,
      });
    });

    it('releases an unknown key, or a claim that does not hold it, without complaint or effect', async () => {
      await expect(store().releaseIdempotency('never-reserved', 'nobody')).resolves.toBeUndefined();
      const held = lease();
      expect(await store().reserveIdempotency('never-reserved', 'fp', held, at(0))).toEqual({
        kind: 'reserved',
      });
      await store().releaseIdempotency('never-reserved', 'someone-else');
      await store().completeIdempotency('never-reserved', 'someone-else', record('fp-x'));
      expect(await store().reserveIdempotency('never-reserved', 'fp', lease(), at(1))).toEqual({
        kind: 'in-progress',
      });
    });

    it('lets a new request take over a reservation past its expiry; the old claim then changes nothing', async () => {
      const stale = lease('host/1/a', 10);
      await store().reserveIdempotency('k', 'fp', stale, at(0));
      expect(await store().reserveIdempotency('k', 'fp', lease(), at(9))).toEqual({ kind: 'in-progress' });
      const fresh = lease('host/2/b', 100);
      expect(await store().reserveIdempotency('k', 'fp', fresh, at(11))).toEqual({ kind: 'reserved' });
      await store().completeIdempotency('k', stale.claimId, record('fp-stale'));
      await store().releaseIdempotency('k', stale.claimId);
      expect(await store().reserveIdempotency('k', 'fp', lease(), at(12))).toEqual({ kind: 'in-progress' });
      await store().completeIdempotency('k', fresh.claimId, record('fp'));
      expect(await store().reserveIdempotency('k', 'fp', lease(), at(13))).toMatchObject({
        kind: 'completed',
        fingerprint: 'fp',
      });
    });

    it('lets exactly one of many concurrent takeovers of an expired reservation win', async () => {
      await store().reserveIdempotency('k', 'fp', lease('host/1/a', 10), at(0));
      const leases = Array.from({ length: 12 }, (_, i) => lease(`host/${i + 2}/a`, 1000));
      const { won, lost } = await race(12, (i) => store().reserveIdempotency('k', 'fp', leases[i]!, at(20)));
      expect(lost).toEqual([]);
      const winners = won.filter((w) => w.value.kind === 'reserved');
      expect(winners).toHaveLength(1);
      expect(won.filter((w) => w.value.kind === 'in-progress')).toHaveLength(11);
      // The winner, and only the winner, holds the key.
      for (const [index, claim] of leases.entries()) {
        if (index !== winners[0]!.index)
          await store().completeIdempotency('k', claim.claimId, record('loser'));
      }
      expect(await store().reserveIdempotency('k', 'fp', lease(), at(21))).toEqual({ kind: 'in-progress' });
      await store().completeIdempotency('k', leases[winners[0]!.index]!.claimId, record('winner'));
      expect(await store().reserveIdempotency('k', 'fp', lease(), at(22))).toMatchObject({
        kind: 'completed',
        fingerprint: 'winner',
      });
    });

    it('replays a completed record until its retention ends, then treats the key as new', async () => {
      const first = lease();
      await store().reserveIdempotency('k', 'fp', first, at(0));
      await store().completeIdempotency('k', first.claimId, record('fp', 100));
      expect(await store().reserveIdempotency('k', 'fp', lease(), at(99))).toMatchObject({
        kind: 'completed',
      });
      const { won } = await race(8, () =>
        store().reserveIdempotency('k', 'fp-new', lease('host/9/z', 500), at(101)),
      );
      expect(won.map((w) => w.value.kind).sort()).toEqual(
        ['reserved', ...Array(7).fill('in-progress')].sort(),
      );
    });

    it('names the owners of held reservations and releases those of one owner', async () => {
      const dead = [lease('host/1/a'), lease('host/1/a')];
      const alive = lease('host/2/b');
      await store().reserveIdempotency('k1', 'fp', dead[0]!, at(0));
      await store().reserveIdempotency('k2', 'fp', dead[1]!, at(0));
      await store().reserveIdempotency('k3', 'fp', alive, at(0));
      const done = lease('host/3/c');
      await store().reserveIdempotency('k4', 'fp', done, at(0));
      await store().completeIdempotency('k4', done.claimId, record('fp'));
      expect((await store().idempotencyOwners()).sort()).toEqual(['host/1/a', 'host/2/b']);

      expect(await store().releaseIdempotencyOwnedBy('host/1/a')).toBe(2);
      expect(await store().idempotencyOwners()).toEqual(['host/2/b']);
      expect(await store().reserveIdempotency('k1', 'fp', lease(), at(1))).toEqual({ kind: 'reserved' });
      expect(await store().reserveIdempotency('k2', 'fp', lease(), at(1))).toEqual({ kind: 'reserved' });
      expect(await store().reserveIdempotency('k3', 'fp', lease(), at(1))).toEqual({ kind: 'in-progress' });
      expect(await store().reserveIdempotency('k4', 'fp', lease(), at(1))).toMatchObject({
        kind: 'completed',
      });
    });

    it('purges what is past its time and keeps the rest', async () => {
      const expiring = lease('host/1/a', 10);
      const held = lease('host/1/a', 1000);
      const old = lease('host/1/a', 10);
      const recent = lease('host/1/a', 10);
      await store().reserveIdempotency('expired-reservation', 'fp', expiring, at(0));
      await store().reserveIdempotency('held-reservation', 'fp', held, at(0));
      await store().reserveIdempotency('old-record', 'fp', old, at(0));
      await store().completeIdempotency('old-record', old.claimId, record('fp', 50));
      await store().reserveIdempotency('recent-record', 'fp', recent, at(0));
      await store().completeIdempotency('recent-record', recent.claimId, record('fp', 5000));

      expect(await store().purgeIdempotency(at(100))).toBe(2);
      expect(await store().purgeIdempotency(at(100))).toBe(0);
      expect(await store().idempotencyOwners()).toEqual(['host/1/a']);
      expect(await store().reserveIdempotency('held-reservation', 'fp', lease(), at(101))).toEqual({
        kind: 'in-progress',
      });
      expect(await store().reserveIdempotency('recent-record', 'fp', lease(), at(101))).toMatchObject({
        kind: 'completed',
      });
      expect(await store().reserveIdempotency('expired-reservation', 'fp', lease(), at(101))).toEqual({
        kind: 'reserved',
      });
      expect(await store().reserveIdempotency('old-record', 'fp', lease(), at(101))).toEqual({
        kind: 'reserved',
      });
    });

    it('keeps exactly one holder when a purge races with takeovers of an expired key', async () => {
      await store().reserveIdempotency('k', 'fp', lease('host/1/a', 10), at(0));
      const leases = Array.from({ length: 8 }, (_, i) => lease(`host/${i + 2}/a`, 1000));
      const [, ...reservations] = await Promise.all([
        store().purgeIdempotency(at(20)),
        ...leases.map((claim) => store().reserveIdempotency('k', 'fp', claim, at(20))),
      ]);
      const winners = reservations.filter((reservation) => reservation.kind === 'reserved');
      expect(winners.length).toBeLessThanOrEqual(1);
      // Whoever won, the key now has at most that one holder: a later request is refused while it is held.
      const after = await store().reserveIdempotency('k', 'fp', lease('host/99/z'), at(21));
      expect(after.kind).toBe(winners.length === 1 ? 'in-progress' : 'reserved');
    });
  });
}
