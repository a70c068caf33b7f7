import type { Filter, Tag } from '@aws-sdk/client-ec2';

/** The tags every created thing carries, so a resumed step finds what it made before creating again. */
export const TAG = {
  image: 'slipway:image',
  run: 'slipway:run',
  step: 'slipway:step',
  role: 'slipway:role',
} as const;

export function tagsOf(values: Partial<Record<keyof typeof TAG, string>>, name?: string): Tag[] {
  const tags = Object.entries(values).map(([key, value]) => ({
    Key: TAG[key as keyof typeof TAG],
    Value: value,
  }));
  return name ? [...tags, { Key: 'Name', Value: name }] : tags;
}

export function tagFilters(values: Partial<Record<keyof typeof TAG, string>>): Filter[] {
  return Object.entries(values).map(([key, value]) => ({
    Name: `tag:${TAG[key as keyof typeof TAG]}`,
    Values: [value],
  }));
}
