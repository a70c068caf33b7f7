import type { Transition } from '@slipway/domain';
import { withTransitionDefaults } from '../query/audit-defaults';
import { fromJsonText, toJsonText } from './json-text';

/** A transition as stored in the `transitions` audit collection and inside its change. */
export type TransitionDocument = Omit<Transition, 'id' | 'outputs'> & { _id: string; outputsJson: string };

export function toTransitionDocument(transition: Transition): TransitionDocument {
  const { id, outputs, ...fields } = structuredClone(transition);
  return { _id: id, ...fields, outputsJson: toJsonText(outputs) };
}

export function toTransition(document: TransitionDocument): Transition {
  const { _id, outputsJson, ...fields } = document;
  return withTransitionDefaults({ id: _id, ...fields, outputs: fromJsonText(outputsJson) });
}
