import type { TestSlipway } from './test-slipway';

/** A user made the way an admin makes one: created, invited, and activated by its first request. */
export async function createActiveUser(
  api: TestSlipway,
  name: string,
  spec: { roles: string[]; grants?: string[] },
): Promise<{ id: string; token: string; tokenId: string }> {
  const created = await api.request('POST', '/v1/users', { body: { name, spec } });
  if (created.statusCode !== 201) throw new Error(`creating ${name}: ${created.statusCode} ${created.body}`);
  const id: string = created.json().id;
  const invitation = await api.request('POST', `/v1/users/${id}/invitation`);
  if (invitation.statusCode !== 201)
    throw new Error(`inviting ${name}: ${invitation.statusCode} ${invitation.body}`);
  // The first request with the invitation activates the user and makes its own API token.
  const issued = await api.request('POST', `/v1/users/${id}/tokens`, {
    token: invitation.json().secret,
    body: { name: `${name}-token` },
  });
  if (issued.statusCode !== 201) throw new Error(`token of ${name}: ${issued.statusCode} ${issued.body}`);
  return { id, token: issued.json().secret, tokenId: issued.json().token.id };
}
