import type { Resource } from '@slipway/domain';
import { directoryExists } from '../../verify/directory-exists';

export interface ClusterImage {
  id: string;
  /** What every instance must answer with; null when the image was baked without a version. */
  version: string | null;
  /** The built app directory: the instances' working directory. */
  path: string;
  /** Shell command that starts one instance. */
  start: string;
}

export type ImageLookup = { ok: true; image: ClusterImage } | { ok: false; message: string };

/** The image a cluster starts from, with every reason it cannot be started from named at once. */
export async function resolveImage(
  getResource: (id: string) => Promise<Resource | null>,
  imageId: string,
): Promise<ImageLookup> {
  const resource = await getResource(imageId);
  if (!resource) return { ok: false, message: `image ${imageId} does not exist` };
  if (resource.kind !== 'image') {
    return { ok: false, message: `${imageId} is a ${resource.kind}, not an image` };
  }
  const problems: string[] = [];
  if (resource.state !== 'built') problems.push(`its state is ${resource.state}, not built`);
  const path = resource.status.path;
  if (typeof path !== 'string' || path.length === 0) problems.push('it has no status.path (no built app)');
  const start = resource.spec.start;
  if (typeof start !== 'string' || start.trim().length === 0) {
    problems.push('it has no spec.start (no command to start an instance with)');
  }
  if (typeof path === 'string' && path.length > 0) {
    const built = await directoryExists(path, { notEmpty: true });
    if (!built.ok) problems.push(built.message);
  }
  if (problems.length > 0 || typeof path !== 'string' || typeof start !== 'string') {
    return {
      ok: false,
      message: `image ${imageId} is not ready to start instances from: ${problems.join('; ')}`,
    };
  }
  const version = resource.spec.version;
  return {
    ok: true,
    image: { id: imageId, version: typeof version === 'string' ? version : null, path, start },
  };
}
