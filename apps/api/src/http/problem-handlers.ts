import { type ErrorCode, isSlipwayError } from '@slipway/domain';
import type { FastifyError, FastifyInstance, FastifyServerOptions } from 'fastify';
import { problem, sendProblem } from './problem';

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'validation_failed',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'route_not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
};

interface AjvIssue {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
  /** Set on the errors of a `propertyNames` subschema: the key they are about. */
  propertyName?: string;
  /** The keyword's value (the validators run verbose). */
  schema?: unknown;
}

function describedBy(schema: unknown): string | undefined {
  if (typeof schema !== 'object' || schema === null || !('description' in schema)) return undefined;
  return typeof schema.description === 'string' ? schema.description : undefined;
}

/** `body.spec.source`, with the missing or extra property named, so the message says what to fix. */
function fieldProblems(context: string, issues: readonly AjvIssue[]) {
  // A key refused by `propertyNames` also yields the inner keyword's error; one message is enough.
  return issues
    .filter((issue) => issue.propertyName === undefined)
    .map((issue) => {
      const base = `${context}${issue.instancePath.replaceAll('/', '.')}`;
      if (issue.keyword === 'propertyNames') {
        const rule = describedBy(issue.schema) ?? 'see the schema at /openapi.json';
        return {
          path: base,
          message: `key ${JSON.stringify(issue.params.propertyName)} is not allowed: ${rule}`,
        };
      }
      const missing = issue.params.missingProperty;
      const extra = issue.params.additionalProperty;
      if (typeof missing === 'string') return { path: `${base}.${missing}`, message: 'is required' };
      if (typeof extra === 'string')
        return { path: `${base}.${extra}`, message: 'is not a known property; remove it' };
      const allowed = issue.params.allowedValues;
      const suffix = Array.isArray(allowed) ? `: ${allowed.join(', ')}` : '';
      return { path: base, message: `${issue.message ?? 'is not valid'}${suffix}` };
    });
}

/** Every error leaves as application/problem+json with a catalog code; nothing leaks a stack. */
export function installProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (isSlipwayError(error)) return sendProblem(reply, problem(error.code, error.message, error.details));
    if (error.validation) {
      const errors = fieldProblems(error.validationContext ?? 'request', error.validation as AjvIssue[]);
      const detail = errors.map((entry) => `${entry.path}: ${entry.message}`).join('; ');
      return sendProblem(reply, problem('validation_failed', detail, { errors }));
    }
    const status = error.statusCode ?? 500;
    const code = CODE_BY_STATUS[status];
    if (status < 500 && code) return sendProblem(reply, problem(code, error.message));
    if (status < 500) return sendProblem(reply, problem('validation_failed', error.message));
    request.log.error({ err: error }, 'request failed');
    return sendProblem(
      reply,
      problem(
        'internal_error',
        'Slipway failed to answer; the requestId finds the details in the server log.',
      ),
    );
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? request.url;
    const allowed = METHODS.filter((method) => app.findRoute({ method, url: path }) !== null);
    if (allowed.length > 0) {
      reply.header('allow', allowed.join(', '));
      return sendProblem(
        reply,
        problem(
          'method_not_allowed',
          `${request.method} is not supported on ${path}; it answers ${allowed.join(', ')}.`,
        ),
      );
    }
    return sendProblem(
      reply,
      problem('route_not_found', `No route ${request.method} ${path}; see /docs for the API.`),
    );
  });
}

/** The methods a path may answer, sorted as the Allow header lists them. */
const METHODS = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'] as const;

/**
 * Errors the router raises before any route runs (a path segment that is not valid percent-encoding,
 * or longer than `maxParamLength`): answered as the same problem documents as every other 400,
 * instead of Fastify's own JSON shape and its undocumented 414.
 */
export const frameworkErrors: NonNullable<FastifyServerOptions['frameworkErrors']> = (
  error,
  _request,
  reply,
) => {
  const detail =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? 'A path parameter is far longer than any id or name Slipway issues; check the URL.'
      : 'The URL holds a path segment that is not valid percent-encoding; check the URL.';
  return sendProblem(reply, problem('validation_failed', detail));
};
