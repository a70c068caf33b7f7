import { imageKind } from '@slipway/domain';
import { byProviderType, ec2ImageProvider, localImageProvider } from '@slipway/ops';
import { awsClientsFor, EC2_NOT_CONFIGURED, prepareAws } from './aws-runtime';
import { defineKindModule } from './kind-module';

export const imageModule = defineKindModule({
  kind: imageKind,
  async prepare({ config }) {
    if (config.aws) await prepareAws(config.aws);
  },
  backends: {
    // Each image bakes where its spec.provider.type says; EC2 only where AWS is configured.
    local: ({ config, cwd }) => {
      const local = localImageProvider({
        dataDir: config.dataDir,
        sourceRoots: config.imageSourceRoots.length > 0 ? config.imageSourceRoots : undefined,
        cwd,
      });
      const ec2 = config.aws ? ec2ImageProvider({ clients: awsClientsFor(config.aws) }) : undefined;
      return { provider: byProviderType(ec2 ? { local, ec2 } : { local }, { ec2: EC2_NOT_CONFIGURED }) };
    },
  },
});
