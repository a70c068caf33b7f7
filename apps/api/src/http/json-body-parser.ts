import { SlipwayError } from '@slipway/domain';
import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';

/**
 * JSON bodies parsed safely (no prototype poisoning), with an empty body read as "no body" so
 * `curl -X POST -H 'content-type: application/json'` works on routes whose body is optional.
 */
export function installJsonBodyParser(app: FastifyInstance): void {
  // Every body this API takes is JSON; Fastify's built-in text/plain parser would turn a
  // form-ish payload into a 400 about the schema instead of the honest 415.
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser(
    /^application\/([\w.+-]+\+)?json(;.*)?$/i,
    { parseAs: 'string' },
    (_request, body, done) => {
      const text = typeof body === 'string' ? body : body.toString('utf8');
      if (text.trim() === '') return done(null, undefined);
      try {
        done(null, secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' }));
      } catch (error) {
        done(
          new SlipwayError(
            'validation_failed',
            `The body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
          ),
          undefined,
        );
      }
    },
  );
}
