import type { KindDescription, ResourceEntity, ResourcePage } from '../slipway-client';
import { CliExit, EXIT } from './exit-codes';
import { call, refused, type Session, unreachable } from './session';

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** The kinds the server serves, looked up by name or plural (`image`, `images`). */
export async function findKind(session: Session, name: string): Promise<KindDescription> {
  const { items } = await call(session, session.client.GET('/v1/kinds'));
  const kind = items.find((candidate) => candidate.name === name || candidate.plural === name);
  if (!kind) {
    throw new CliExit(
      EXIT.usage,
      `slipway: no kind "${name}" on this server; it serves ${items.map((item) => item.plural).join(', ')}`,
    );
  }
  return kind;
}

// The generic kind routes (/v1/{plural}…) are typed here through the image's, whose envelope every
// kind shares; the spec and status differ per kind and stay `unknown`-valued records.
type KindPath = '/v1/images';
type KindItemPath = '/v1/images/{id}';
export const kindPath = (plural: string) => `/v1/${plural}` as KindPath;
export const kindItemPath = (plural: string) => `/v1/${plural}/{id}` as KindItemPath;

/**
 * An id or a name: an id is tried as given; a name is the resource of that name that is not
 * destroyed (names are unique among those), else the newest destroyed one.
 */
export async function resolveResource(
  session: Session,
  plural: string,
  nameOrId: string,
): Promise<ResourceEntity> {
  if (ULID.test(nameOrId)) {
    const answer = await session.client
      .GET(kindItemPath(plural), { params: { path: { id: nameOrId } } })
      .catch((error: unknown) => {
        throw unreachable(session.baseUrl, error);
      });
    if (answer.data) return answer.data;
    if (answer.response.status !== 404) throw refused(answer.response.status, answer.error);
  }
  const named: ResourceEntity[] = [];
  let cursor: string | undefined;
  do {
    const page: ResourcePage = await call(
      session,
      session.client.GET(kindPath(plural), {
        params: { query: { limit: 200, ...(cursor ? { cursor } : {}) } },
      }),
    );
    named.push(...page.items.filter((item) => item.name === nameOrId));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  const found = named.find((item) => item.state !== 'destroyed') ?? named[0];
  if (!found) throw new CliExit(EXIT.refused, `slipway: no ${plural} named or with id "${nameOrId}"`);
  return found;
}
