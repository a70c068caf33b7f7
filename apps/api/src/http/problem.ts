import { ERROR_CATALOG, type ErrorCode, isErrorCode } from '@slipway/domain';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { PROBLEM_STATUS, problemStatusOf } from './problem-status';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: 'URI naming the problem type: `urn:slipway:problem:<code>`.' }),
    title: Type.String(),
    status: Type.Integer({ minimum: 400, maximum: 599 }),
    code: Type.String({ description: 'Stable error code; branch on this, not on the message.' }),
    detail: Type.String({ description: 'What went wrong and what to change.' }),
    instance: Type.Optional(Type.String()),
    requestId: Type.Optional(Type.String()),
    errors: Type.Optional(
      Type.Array(Type.Object({ path: Type.String(), message: Type.String() }), {
        description: 'Field-level problems, for validation errors.',
      }),
    ),
    activeRunId: Type.Optional(
      Type.String({ description: 'The run holding the resource, for run_conflict.' }),
    ),
  },
  { additionalProperties: true, examples: [problemExample()] },
);

function problemExample() {
  return {
    type: 'urn:slipway:problem:validation_failed',
    title: 'The request is not valid',
    status: 400,
    code: 'validation_failed',
    detail: 'body.spec.source: must NOT have fewer than 1 characters',
    errors: [{ path: 'body.spec.source', message: 'must NOT have fewer than 1 characters' }],
  };
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  instance?: string;
  requestId?: string;
  errors?: { path: string; message: string }[];
  [extension: string]: unknown;
}

export function problem(code: ErrorCode, detail: string, extensions: Record<string, unknown> = {}): Problem {
  return {
    ...extensions,
    type: `urn:slipway:problem:${code}`,
    title: ERROR_CATALOG[code].title,
    status: problemStatusOf(code).status,
    code,
    detail,
  };
}

export function sendProblem(reply: FastifyReply, body: Problem): FastifyReply {
  const retryAfter = isErrorCode(body.code) ? problemStatusOf(body.code).retryAfterSeconds : undefined;
  if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
  return reply
    .code(body.status)
    .type(PROBLEM_CONTENT_TYPE)
    .send({ ...body, requestId: reply.request.id, instance: reply.request.url.split('?')[0] });
}

/** OpenAPI response entries for the problem statuses a route can answer. */
export function problemResponses(...statuses: number[]): Record<number, unknown> {
  const responses: Record<number, unknown> = {};
  for (const status of statuses) {
    const codes = Object.entries(PROBLEM_STATUS)
      .filter(([, entry]) => entry.status === status)
      .map(([code]) => code);
    responses[status] = {
      description: `Problem: ${codes.join(', ')}`,
      content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } },
    };
  }
  return responses;
}
