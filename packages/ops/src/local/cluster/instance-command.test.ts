import { describe, expect, it } from 'vitest';
import { instanceScript } from './instance-command';

describe('instanceScript', () => {
  it('execs a simple start command, keeping leading assignments in front of exec', () => {
    expect(instanceScript('node server.js')).toBe('exec node server.js');
    expect(instanceScript('node server.js --port "$PORT"')).toBe('exec node server.js --port "$PORT"');
    expect(instanceScript('NODE_ENV=production A="x y" node server.js')).toBe(
      'NODE_ENV=production A="x y" exec node server.js',
    );
  });

  it('leaves a compound command or a builtin as written', () => {
    for (const start of [
      'cd dist && node x.js',
      'node a.js; node b.js',
      'node x.js > log',
      'cd dist',
      'exec node x.js',
      'node $(cat entry)',
    ])
      expect(instanceScript(start)).toBe(start);
  });
});
