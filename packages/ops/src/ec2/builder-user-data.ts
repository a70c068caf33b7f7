import type { Ec2ImageProviderSpec, ImageSpec } from '@slipway/domain';

/** Single quotes for sh: the spec's strings reach the builder's shell as data, never as syntax. */
function quoted(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * The builder's user data: fetch the app named in the spec (git or S3), then run the build in it.
 * Only what the spec says goes in: user data is readable by anyone who can describe the instance,
 * so it must never carry a secret.
 */
export function builderUserData(spec: ImageSpec, provider: Ec2ImageProviderSpec): string {
  const lines = ['#!/bin/sh', 'set -eu', 'mkdir -p /opt/slipway/app', 'cd /opt/slipway/app'];
  const app = provider.app;
  if (app?.startsWith('s3://')) {
    lines.push(`aws s3 cp ${quoted(app)} /tmp/slipway-app.tar.gz`, 'tar -xzf /tmp/slipway-app.tar.gz');
  } else if (app) {
    lines.push(`git clone --depth 1 ${quoted(app)} .`);
  }
  lines.push(`export SLIPWAY_IMAGE_VERSION=${quoted(spec.version ?? '0.0.0')}`, spec.build);
  if (spec.start) lines.push(`printf '%s\\n' ${quoted(spec.start)} > /opt/slipway/start-command`);
  return `${lines.join('\n')}\n`;
}
