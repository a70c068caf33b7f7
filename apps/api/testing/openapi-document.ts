import { startTestSlipway } from './test-slipway';

/**
 * The OpenAPI document the server serves at /openapi.json, produced in-process (a Slipway on a
 * temp lmdb, never listening): what the typed client is generated from and checked against.
 */
export async function serverOpenApiDocument(): Promise<Record<string, unknown>> {
  const api = await startTestSlipway();
  try {
    const response = await api.request('GET', '/openapi.json', { token: null });
    if (response.statusCode !== 200) throw new Error(`GET /openapi.json: HTTP ${response.statusCode}`);
    return response.json<Record<string, unknown>>();
  } finally {
    await api.close();
  }
}
