import type { imageKind } from '@slipway/domain';
import type { Static } from 'typebox';

export type ImageSpec = Static<typeof imageKind.spec>;
