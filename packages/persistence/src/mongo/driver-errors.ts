import { SlipwayError } from '@slipway/domain';
import {
  MongoClientClosedError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerClosedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from 'mongodb';

const DUPLICATE_KEY = 11000;

/**
 * Server codes that mean "no usable primary right now" (stepdown, election, shutdown): the
 * request can be repeated later, so it is a 503, not a 500.
 */
const UNAVAILABLE_CODES = new Set([
  91, // ShutdownInProgress
  189, // PrimarySteppedDown
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
]);

export function isDuplicateKey(error: unknown): boolean {
  return error instanceof MongoServerError && error.code === DUPLICATE_KEY;
}

/**
 * Socket errors the driver lets through unwrapped (an EPIPE when it writes to a connection the
 * server has just dropped was seen in the outage test): the server is gone, not the request bad.
 */
const SOCKET_ERRNOS = new Set([
  'EPIPE',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'ENOTCONN',
  'EHOSTUNREACH',
]);

function isSocketError(error: unknown): boolean {
  return (
    error instanceof Error &&
    'code' in error &&
    typeof error.code === 'string' &&
    SOCKET_ERRNOS.has(error.code)
  );
}

function isUnavailable(error: unknown): boolean {
  return (
    isSocketError(error) ||
    error instanceof MongoNetworkError ||
    error instanceof MongoServerSelectionError ||
    error instanceof MongoNotConnectedError ||
    error instanceof MongoTopologyClosedError ||
    error instanceof MongoClientClosedError ||
    error instanceof MongoServerClosedError ||
    (error instanceof MongoServerError && typeof error.code === 'number' && UNAVAILABLE_CODES.has(error.code))
  );
}

/** Driver failures that mean the server cannot be reached become `service_unavailable`; others pass. */
export function translateDriverError(error: unknown): unknown {
  if (!isUnavailable(error)) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new SlipwayError('service_unavailable', `The MongoDB store (MONGO_URL) is unavailable: ${detail}`);
}
