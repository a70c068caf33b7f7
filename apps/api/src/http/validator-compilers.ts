import Ajv, { type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';

function makeAjv(options: Options): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    strict: false,
    removeAdditional: false,
    useDefaults: true,
    // Errors carry their keyword's schema, so a refused key can be explained by its rule's description.
    verbose: true,
    ...options,
  });
  addFormats.default(ajv);
  return ajv;
}

/**
 * Bodies are validated as sent (a number is not a string; unknown properties are refused), while
 * query strings, params and headers are coerced because they only ever arrive as text.
 */
export function installValidatorCompilers(app: FastifyInstance): void {
  const strict = makeAjv({ coerceTypes: false });
  const coercing = makeAjv({ coerceTypes: 'array' });
  app.setValidatorCompiler(({ schema, httpPart }) =>
    httpPart === 'body' ? strict.compile(schema) : coercing.compile(schema),
  );
}
