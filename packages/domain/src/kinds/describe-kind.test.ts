import { describe, expect, it } from 'vitest';
import { describeKind } from './describe-kind';
import { imageKind } from './image-kind';
import { KindRegistry } from './kind-registry';

describe('describeKind', () => {
  const description = describeKind(new KindRegistry([imageKind]).get('image'));

  it('lists states, steps, targets and permissions from the declaration', () => {
    expect(description.initialState).toBe('pending');
    expect(description.steps).toEqual(['build', 'destroy']);
    expect(description.targets).toEqual([
      expect.objectContaining({ state: 'built', reasonRequired: false }),
      expect.objectContaining({ state: 'destroyed', reasonRequired: true }),
    ]);
    expect(description.permissions).toEqual(['image:read', 'image:write', 'image:transition']);
    expect(description.states.find((state) => state.name === 'built')?.requestable).toBe(true);
    expect(description.states.find((state) => state.name === 'building')?.requestable).toBe(false);
  });

  it('draws every transition in the Mermaid diagram', () => {
    expect(description.mermaid.startsWith('stateDiagram-v2')).toBe(true);
    for (const edge of description.transitions) {
      expect(description.mermaid).toContain(`${edge.from} --> ${edge.to}: ${edge.event}`);
    }
    expect(description.mermaid).toContain('destroyed --> [*]');
  });

  it('carries the spec schema as plain JSON Schema', () => {
    expect(description.specSchema).toMatchObject({
      type: 'object',
      required: ['build'],
      properties: { provider: { anyOf: [{ title: 'LocalImageProvider' }, { title: 'Ec2ImageProvider' }] } },
    });
  });
});

describe('KindRegistry', () => {
  it('refuses an unknown kind with kind_not_found', () => {
    expect(() => new KindRegistry([imageKind]).get('cluster')).toThrow(
      expect.objectContaining({ code: 'kind_not_found' }),
    );
  });
});
