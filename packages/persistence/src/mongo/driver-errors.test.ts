import { SlipwayError } from '@slipway/domain';
import { MongoNetworkError, MongoServerError } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { translateDriverError } from './driver-errors';

const socketError = (code: string) => Object.assign(new Error(`socket ${code}`), { code });

describe('translateDriverError', () => {
  it('turns an unreachable server into service_unavailable (503), also from a bare socket error', () => {
    for (const error of [
      new MongoNetworkError('connection reset'),
      socketError('EPIPE'),
      socketError('ECONNRESET'),
    ]) {
      const translated = translateDriverError(error);
      expect(translated).toBeInstanceOf(SlipwayError);
      expect(translated).toMatchObject({ code: 'service_unavailable' });
    }
  });

  it('passes everything else through unchanged', () => {
    const duplicate = new MongoServerError({ message: 'E11000 duplicate key', code: 11000 });
    const bug = new TypeError('x is undefined');
    const otherErrno = socketError('ENOENT');
    for (const error of [duplicate, bug, otherErrno]) expect(translateDriverError(error)).toBe(error);
  });
});
