import { clusterModule } from './cluster-module';
import { imageModule } from './image-module';
import type { KindModule } from './kind-module';
import { serviceModule } from './service-module';
import { settingModule } from './setting-module';
import { userModule } from './user-module';

export * from './kind-module';

/** The kinds this installation serves: the one registration list. */
export const KIND_MODULES: readonly KindModule[] = [
  imageModule,
  clusterModule,
  serviceModule,
  settingModule,
  userModule,
];
