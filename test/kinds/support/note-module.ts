// A toy kind, registered only by the test that proves the new-kind checklist: a note is a text
// file under the data directory. Everything a real kind has lives here, in its own files' place:
// the definition (domain), the local provider (ops), the module (apps/api/src/kinds).
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defineKindModule } from '@slipway/api';
import { defineKind, failed, type ProviderFor, type StepMeta, succeeded } from '@slipway/domain';
import { Type } from 'typebox';
import { setup } from 'xstate';

// --- the definition (would be packages/domain/src/kinds/note-kind.ts) ---

const noteMachine = setup({
  types: {} as {
    events:
      | { type: 'WRITE' }
      | { type: 'ERASE' }
      | { type: 'CHECK' }
      | { type: 'SUCCESS' }
      | { type: 'FAILURE' }
      | { type: 'CANCEL' };
    meta: StepMeta<'write' | 'check' | 'erase'>;
  },
}).createMachine({
  id: 'note',
  initial: 'draft',
  states: {
    draft: { on: { WRITE: 'writing', ERASE: 'erasing' } },
    writing: { meta: { step: 'write' }, on: { SUCCESS: 'written', FAILURE: 'failed', CANCEL: 'draft' } },
    written: { on: { CHECK: 'written', ERASE: 'erasing' } },
    erasing: { meta: { step: 'erase' }, on: { SUCCESS: 'erased', FAILURE: 'failed', CANCEL: 'failed' } },
    failed: { on: { WRITE: 'writing', ERASE: 'erasing' } },
    erased: { type: 'final' },
  },
});

export const noteKind = defineKind({
  name: 'note',
  plural: 'notes',
  title: 'Note',
  description: 'A text file in the data directory (a toy kind for the new-kind checklist test).',
  spec: Type.Object(
    { text: Type.String({ minLength: 1, maxLength: 200, description: 'What the note says.' }) },
    { additionalProperties: false },
  ),
  specExample: { text: 'hello' },
  steps: ['write', 'check', 'erase'],
  machine: noteMachine,
  targets: {
    written: { description: 'Write the file and read it back.' },
    erased: { description: 'Remove the file.', reasonRequired: true },
  },
  internalEvents: ['CHECK'],
  actions: {
    check: {
      event: 'CHECK',
      step: 'check',
      allowedIn: ['written'],
      summary: 'Read the note back',
      description: 'Compares the file with the spec and records the result.',
    },
  },
  editableIn: ['draft', 'failed'],
});

// --- the local provider (would be packages/ops/src/local/note/) ---

const fileOf = (dataDir: string, id: string) => join(dataDir, 'notes', `${id}.txt`);

export function localNoteProvider(dataDir: string): ProviderFor<typeof noteKind> {
  const read = (id: string) => readFile(fileOf(dataDir, id), 'utf8').catch(() => null);
  return {
    backend: 'local',
    steps: {
      async write({ resource }) {
        await mkdir(join(dataDir, 'notes'), { recursive: true });
        await writeFile(fileOf(dataDir, resource.id), resource.spec.text);
        // Proved, not assumed: the file says what the spec says.
        return (await read(resource.id)) === resource.spec.text
          ? succeeded({ file: fileOf(dataDir, resource.id), bytes: resource.spec.text.length })
          : failed('verification_failed', 'The file does not hold the text after writing it.');
      },
      async check({ resource }) {
        const text = await read(resource.id);
        return text === resource.spec.text
          ? succeeded({ matches: true })
          : failed('verification_failed', `The file holds ${JSON.stringify(text)}.`);
      },
      async erase({ resource }) {
        await rm(fileOf(dataDir, resource.id), { force: true });
        return (await read(resource.id)) === null
          ? succeeded()
          : failed('destroy_failed', 'The file is still there.');
      },
    },
  };
}

// --- the module (would be apps/api/src/kinds/note-module.ts, plus one line in KIND_MODULES) ---

export const noteModule = defineKindModule({
  kind: noteKind,
  backends: {
    local: ({ config }) => ({ provider: localNoteProvider(config.dataDir) }),
  },
  // An extra route, below /v1/notes like every route a module adds.
  routes(scope, { service, principalOf }) {
    scope.get<{ Params: { id: string } }>(
      '/:id/text',
      {
        // Every protected route declares what it needs, a module's own routes too.
        config: { permission: { permission: 'note:read', kind: 'note' } },
        schema: {
          operationId: 'readNoteText',
          summary: 'Read what a note says',
          description: 'The text of the written file.',
          tags: ['notes'],
          params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
          response: { 200: Type.Object({ text: Type.Union([Type.String(), Type.Null()]) }) },
        },
      },
      async (request) => {
        const note = await service.get('note', request.params.id, principalOf(request));
        const file = note.status.file;
        return { text: typeof file === 'string' ? await readFile(file, 'utf8').catch(() => null) : null };
      },
    );
  },
  // A hook into another kind's step: each built image is announced in a file.
  hooks: ({ config }) => [
    {
      name: 'note.announce',
      kind: 'image',
      step: 'build',
      phase: 'after',
      async run(context) {
        // Idempotent like a step: a re-entered build rewrites the same file.
        const file = join(config.dataDir, 'announced', context.resource.id);
        await mkdir(join(config.dataDir, 'announced'), { recursive: true });
        await writeFile(file, String(context.stepOutputs.version ?? ''));
        return succeeded({ file });
      },
    },
  ],
});
