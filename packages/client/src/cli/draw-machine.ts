import type { KindDescription } from '../slipway-client';
import { type Output, paint, stateColour } from './output';

/**
 * The machine in the terminal: each state once, in the order the kind declares them, with its
 * provider step and every way out of it. Plain text lines, so it reads the same in a pipe.
 */
export function drawMachine(output: Output, kind: KindDescription): string {
  const width = Math.max(...kind.states.map((state) => state.name.length));
  const lines = [
    `${paint(output, 'bold', kind.title)} (${kind.plural}): ${kind.description}`,
    `starts in ${kind.initialState}; targets: ${kind.targets
      .map(
        (target) =>
          `${target.state}${target.reasonRequired ? ' (reason)' : ''}${target.forceFrom.length > 0 ? ` (force from ${target.forceFrom.join(', ')})` : ''}`,
      )
      .join(', ')}`,
    '',
  ];
  for (const state of kind.states) {
    const tags = [state.step ? `step ${state.step}` : null, state.final ? 'final' : null]
      .filter(Boolean)
      .join(', ');
    const name = paint(output, stateColour(state.name), state.name.padEnd(width));
    lines.push(`${state.name === kind.initialState ? '●' : '○'} ${name}${tags ? `  [${tags}]` : ''}`);
    for (const transition of kind.transitions.filter((candidate) => candidate.from === state.name)) {
      const arrow = transition.internal ? '┈┈▶' : '──▶';
      lines.push(
        `    ${arrow} ${transition.to.padEnd(width)}  ${transition.event}${transition.internal ? ' (engine)' : ''}`,
      );
    }
  }
  if (kind.actions.length > 0) {
    lines.push(
      '',
      ...kind.actions.map(
        (action) => `action ${action.name} (in ${action.allowedIn.join(', ')}): ${action.description}`,
      ),
    );
  }
  return lines.join('\n');
}
