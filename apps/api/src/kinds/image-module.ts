import { imageKind } from '@slipway/domain';
import { localImageProvider } from '@slipway/ops';
import { defineKindModule } from './kind-module';

export const imageModule = defineKindModule({
  kind: imageKind,
  backends: {
    local: ({ config, cwd }) => ({
      provider: localImageProvider({
        dataDir: config.dataDir,
        sourceRoots: config.imageSourceRoots.length > 0 ? config.imageSourceRoots : undefined,
        cwd,
      }),
    }),
  },
});
