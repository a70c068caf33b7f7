import {
  hasPermission,
  type Principal,
  type ResolvedSetting,
  type Resource,
  type Run,
  resolveSettings,
  type SettingSpec,
  SlipwayError,
} from '@slipway/domain';
import type { SettingVault } from '@slipway/ops';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import { problemResponses } from '../../http/problem';
import { kindPermission } from '../../http/route-permission';
import { Cursor, Id, Limit } from '../../schemas/common-schemas';
import { RunEntity } from '../../schemas/run-schemas';
import type { RouteContext } from '../kind-module';
import { DEFAULT_ENVIRONMENT } from './pin-settings-hook';
import { vaultOf } from './setting-runtime';
import { waitForRun } from './wait-for-run';

const tags = ['settings'];
const ScopeName = Type.String({ pattern: '^[a-z][a-z0-9-]{0,62}$' });
const IdParams = Type.Object({ id: Id });

const ResolvedEntry = Type.Object({
  key: Type.String(),
  setting: Type.String({ description: 'The setting the key comes from.' }),
  version: Type.Integer(),
  scope: Type.Union([
    Type.Literal('global'),
    Type.Literal('environment'),
    Type.Literal('service'),
    Type.Literal('environment+service'),
  ]),
  secret: Type.Boolean(),
  value: Type.Optional(Type.String({ description: 'Only for a setting that is not secret.' })),
});

const Resolution = Type.Object({
  environment: Type.String(),
  service: Type.Union([Type.String(), Type.Null()]),
  settings: Type.Array(ResolvedEntry),
});

const VersionEntity = Type.Object({
  version: Type.Integer(),
  secret: Type.Boolean(),
  createdAt: Type.String(),
  createdBy: Type.String(),
  applied: Type.Boolean({ description: 'The version the setting resolves to now.' }),
  next: Type.Boolean({ description: 'The version the next run to `active` applies (`spec.version`).' }),
});

const RollbackBody = Type.Object(
  {
    version: Type.Integer({ minimum: 1, description: 'An earlier version to apply again.' }),
    reason: Type.String({ minLength: 1, maxLength: 1000, description: 'Why, for the audit trail.' }),
  },
  { additionalProperties: false, examples: [{ version: 1, reason: 'v2 broke the checkout page' }] },
);

async function loadSetting(
  context: RouteContext,
  id: string,
  principal: Principal,
): Promise<Resource<SettingSpec>> {
  return (await context.service.get('setting', id, principal)) as Resource<SettingSpec>;
}

/** Resolution with values for what is not secret: the API's view, never a secret's value. */
async function resolutionView(
  vault: SettingVault,
  entries: readonly ResolvedSetting[],
): Promise<Static<typeof ResolvedEntry>[]> {
  return Promise.all(
    entries.map(async ({ sealed, ...entry }) =>
      sealed
        ? { ...entry, secret: true }
        : { ...entry, secret: false, value: await vault.reveal(entry.setting, entry.version) },
    ),
  );
}

async function allSettings(
  context: RouteContext,
  principal: Principal,
  includeDeleted = false,
): Promise<Resource<SettingSpec>[]> {
  const all: Resource<SettingSpec>[] = [];
  let cursor: string | undefined;
  do {
    const page = await context.service.list(
      'setting',
      { limit: 100, ...(cursor ? { cursor } : {}), ...(includeDeleted ? { includeDestroyed: true } : {}) },
      principal,
    );
    all.push(...(page.items as Resource<SettingSpec>[]));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return all;
}

function meta(request: FastifyRequest) {
  const idempotencyKey = request.headers['idempotency-key'];
  return {
    requestId: request.id,
    idempotencyKey: typeof idempotencyKey === 'string' ? idempotencyKey : undefined,
  };
}

/** The setting kind's routes beyond the generic ones, below `/v1/settings`. */
export function settingRoutes(scope: FastifyInstance, context: RouteContext): void {
  const { service, principalOf } = context;
  const vault = () => vaultOf(context.collections);

  scope.get<{ Querystring: { environment?: string; service?: string } }>(
    '/resolve',
    {
      config: { permission: kindPermission('setting', 'read') },
      schema: {
        operationId: 'resolveSettings',
        summary: 'Resolve the settings for an environment and service',
        description: `Merges every applied setting whose scope matches (most specific wins: environment+service, service, environment, global) and says for each key which setting and version it comes from. Secrets appear only as \`secret: true\` with their version, never with a value. \`environment\` defaults to \`${DEFAULT_ENVIRONMENT}\`, as a cluster's does.`,
        tags,
        querystring: Type.Object({
          environment: Type.Optional(ScopeName),
          service: Type.Optional(ScopeName),
        }),
        response: { 200: Resolution, ...problemResponses(400, 401, 403, 503) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const environment = request.query.environment ?? DEFAULT_ENVIRONMENT;
      const serviceName = request.query.service ?? null;
      const entries = resolveSettings(await allSettings(context, principal), {
        environment,
        // A service no cluster can have: only unscoped and environment settings match.
        service: serviceName ?? '',
      });
      return { environment, service: serviceName, settings: await resolutionView(vault(), entries) };
    },
  );

  scope.get<{ Params: Static<typeof IdParams>; Querystring: { limit?: number; cursor?: string } }>(
    '/:id/versions',
    {
      config: { permission: kindPermission('setting', 'read') },
      schema: {
        operationId: 'listSettingVersions',
        summary: 'List every version of a setting',
        description:
          'Every value the setting ever had, oldest first, without the values: which one is applied and which one the next run applies. Versions outlive the setting. Only accepted writes add one: a refused write (412, name conflict) leaves none, though a write that lost a race may have used up a number; a PATCH repeating the value the setting names adds none.',
        tags,
        params: IdParams,
        querystring: Type.Object({ limit: Type.Optional(Limit), cursor: Type.Optional(Cursor) }),
        response: {
          200: Type.Object({
            items: Type.Array(VersionEntity),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...problemResponses(400, 401, 403, 404, 503),
        },
      },
    },
    async (request) => {
      const setting = await loadSetting(context, request.params.id, principalOf(request));
      const page = await vault().list(
        setting.id,
        setting.spec.version,
        request.query.limit ?? 50,
        request.query.cursor,
      );
      const applied = setting.state === 'deleted' ? null : setting.status.appliedVersion;
      return {
        items: page.items.map((item) => ({
          ...item,
          applied: item.version === applied,
          next: item.version === setting.spec.version,
        })),
        nextCursor: page.nextCursor,
      };
    },
  );

  scope.post<{ Params: Static<typeof IdParams>; Body: Static<typeof RollbackBody> }>(
    '/:id/rollback',
    {
      config: { permission: kindPermission('setting', 'transition') },
      schema: {
        operationId: 'rollbackSetting',
        summary: 'Apply an earlier version of a setting again',
        description:
          'Starts one run to `active` that applies an earlier version: the run carries the version (`input.version`) and the reason (on the audit trail), so a refused rollback (409 while another run is active, 404 for a version the setting does not have) changes nothing. Answers 202 with the run. `spec.version` stays the newest value: a later run to `active` without a new value applies that again (rolls forward). Clusters launched before keep what they pinned.',
        tags,
        params: IdParams,
        body: RollbackBody,
        response: { 202: RunEntity, ...problemResponses(400, 401, 403, 404, 409, 412, 413, 415, 422, 503) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const setting = await loadSetting(context, request.params.id, principal);
      const { version } = request.body;
      // Versions are never taken away, so one seen here is still there when the run applies it.
      if (!(await vault().has(setting.id, version, setting.spec.version))) {
        throw new SlipwayError(
          'version_not_found',
          `Setting ${setting.id} has no version ${version}; GET /v1/settings/${setting.id}/versions lists them.`,
          { version },
        );
      }
      const run = await service.requestRun(
        'setting',
        setting.id,
        {
          target: 'active',
          reason: `Rollback to version ${version}: ${request.body.reason}`,
          input: { version },
        },
        principal,
        meta(request),
      );
      reply.code(202).header('location', `/v1/runs/${run.id}`);
      return run;
    },
  );

  scope.get<{ Params: Static<typeof IdParams> }>(
    '/:id/secret',
    {
      config: { permission: { permission: 'setting:read-secret', kind: 'setting' } },
      schema: {
        operationId: 'readSettingSecret',
        summary: "Read a secret's value",
        description:
          'The applied value of a secret setting. Every read is first recorded as a REVEAL transition of its own (the `reveal` action, with who read which version); the value is answered only once that record is written. The REVEAL run names the reader as its actor.',
        tags,
        params: IdParams,
        response: {
          200: Type.Object({
            id: Type.String(),
            key: Type.String(),
            version: Type.Integer(),
            value: Type.String(),
            run: Type.String(),
          }),
          ...problemResponses(400, 401, 403, 404, 409, 503),
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const setting = await loadSetting(context, request.params.id, principal);
      if (setting.spec.secret !== true) {
        throw new SlipwayError(
          'action_not_allowed',
          `Setting ${setting.id} is not secret; GET /v1/settings/resolve shows its value.`,
        );
      }
      const run = await waitForRun(
        service,
        // Recording one's own read is part of the read: `setting:read-secret` is enough for it.
        await service.runAction('setting', setting.id, 'reveal', revealer(principal), meta(request)),
        principal,
      );
      if (run.status !== 'succeeded') {
        throw new SlipwayError(
          run.error?.code === 'secret_unreadable' ? 'secret_unreadable' : 'service_unavailable',
          `The read could not be recorded (run ${run.id}: ${run.error?.message ?? run.status}); nothing was revealed.`,
        );
      }
      const recorded = await loadSetting(context, setting.id, principal);
      const version = recorded.status.revealedVersion;
      if (typeof version !== 'number')
        throw new SlipwayError('service_unavailable', 'The read was recorded without its version.');
      reply.header('cache-control', 'no-store');
      return {
        id: setting.id,
        key: setting.spec.key,
        version,
        value: await vault().reveal(setting.id, version),
        run: run.id,
      };
    },
  );

  scope.post(
    '/secrets/reencrypt',
    {
      config: { permission: { permission: 'admin' } },
      schema: {
        operationId: 'reencryptSecrets',
        summary: 'Encrypt every secret under the current key again',
        description:
          "The last step of a key rotation, once every process runs with the new SLIPWAY_SECRET_KEY (and the old one as SLIPWAY_SECRET_KEY_PREVIOUS): each secret setting's versions are sealed under the current key by its own `reencrypt` run, one REENCRYPT transition each on the audit trail. Deleted settings are included (clusters that pinned them must still read them after the old key is dropped); their run records a REENCRYPT from `deleted` to `deleted`. Nothing is re-sealed outside those runs: a setting whose run failed (a version that opens under neither key) or could not start (another run active) keeps its versions as they were and is listed in `failed`; drop SLIPWAY_SECRET_KEY_PREVIOUS only when `failed` is empty.",
        tags,
        response: {
          200: Type.Object({
            runs: Type.Array(Type.String(), { description: 'The runs that re-sealed a setting.' }),
            failed: Type.Array(
              Type.Object({
                setting: Type.String(),
                run: Type.Union([Type.String(), Type.Null()], {
                  description: 'The run that failed; null when none could start.',
                }),
                message: Type.String(),
              }),
              { description: 'Settings left as they were: re-run once the cause is fixed.' },
            ),
          }),
          ...problemResponses(401, 403, 503),
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      if (!hasPermission(principal, 'admin'))
        throw new SlipwayError('forbidden', 'Re-encrypting needs the admin token.');
      const secrets = (await allSettings(context, principal, true)).filter(
        (setting) =>
          setting.spec.secret === true && ['pending', 'active', 'failed', 'deleted'].includes(setting.state),
      );
      const runs: string[] = [];
      const failedSettings: { setting: string; run: string | null; message: string }[] = [];
      for (const setting of secrets) {
        let run: Run;
        try {
          run = await waitForRun(
            service,
            await service.runAction('setting', setting.id, 'reencrypt', principal, meta(request)),
            principal,
          );
        } catch (error) {
          if (!(error instanceof SlipwayError) || error.code === 'service_unavailable') throw error;
          failedSettings.push({ setting: setting.id, run: null, message: error.message });
          continue;
        }
        if (run.status === 'succeeded') runs.push(run.id);
        else
          failedSettings.push({
            setting: setting.id,
            run: run.id,
            message: run.error?.message ?? `the run is ${run.status}; look at it again later`,
          });
      }
      request.log.info(
        { runs: runs.length, failed: failedSettings.length },
        'secrets re-encrypted under the current key',
      );
      return { runs, failed: failedSettings };
    },
  );
}

/** The reader, allowed to record the REVEAL transition of its read as well. */
function revealer(principal: Principal): Principal {
  return { ...principal, permissions: [...principal.permissions, 'setting:transition'] };
}
