import createClient, { type Client } from 'openapi-fetch';
import type { operations, paths } from './generated/slipway-api';

export type SlipwayClient = Client<paths>;

export interface ClientOptions {
  /** Where Slipway listens, e.g. http://127.0.0.1:7070. */
  baseUrl: string;
  /** The bearer token (the admin token printed at first start). */
  token: string;
}

/** The typed client: every path, parameter and response of the server's /openapi.json. */
export function createSlipwayClient(options: ClientOptions): SlipwayClient {
  return createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    headers: { authorization: `Bearer ${options.token}` },
  });
}

type Json<T> = T extends { content: { 'application/json': infer Body } } ? Body : never;

/** A resource as every kind answers it (the envelope is the same; `spec` and `status` vary). */
export type ResourceEntity = Json<operations['getImage']['responses'][200]>;
export type ResourcePage = Json<operations['listImages']['responses'][200]>;
export type RunEntity = Json<operations['getRun']['responses'][200]>;
export type TransitionEntity = Json<operations['listTransitions']['responses'][200]>['items'][number];
export type TransitionPage = Json<operations['listTransitions']['responses'][200]>;
export type KindDescription = Json<operations['listKinds']['responses'][200]>['items'][number];
/** RFC 9457 problem as the server sends it (application/problem+json). */
export type Problem = operations['getRun']['responses'][404]['content']['application/problem+json'];

export const TERMINAL_RUN_STATUSES = ['succeeded', 'failed', 'cancelled'] as const;
