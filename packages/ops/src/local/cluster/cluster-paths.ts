import { join } from 'node:path';

export interface ClusterPaths {
  /** Everything kept for one cluster: its instance table and the instances' logs. */
  clusterDir: string;
  instancesFile: string;
  logFile(index: number): string;
}

export interface ServicePaths {
  /** The service's load balancer: its record and log. Outlives any one cluster. */
  serviceDir: string;
  balancerFile: string;
  balancerLog: string;
}

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const SAFE_SERVICE = /^[a-z][a-z0-9-]{0,62}$/;

export function clusterPaths(dataDir: string, clusterId: string): ClusterPaths {
  // The id names a directory that destroy removes recursively: it must not be able to climb out.
  if (!SAFE_ID.test(clusterId))
    throw new Error(`cluster id ${JSON.stringify(clusterId)} cannot name a directory`);
  const clusterDir = join(dataDir, 'clusters', clusterId);
  return {
    clusterDir,
    instancesFile: join(clusterDir, 'instances.json'),
    logFile: (index) => join(clusterDir, `instance-${index}.log`),
  };
}

export function servicePaths(dataDir: string, service: string): ServicePaths {
  if (!isSafeServiceName(service))
    throw new Error(`service ${JSON.stringify(service)} cannot name a directory`);
  const serviceDir = join(dataDir, 'services', service);
  return {
    serviceDir,
    balancerFile: join(serviceDir, 'balancer.json'),
    balancerLog: join(serviceDir, 'balancer.log'),
  };
}

export function isSafeServiceName(service: string): boolean {
  return SAFE_SERVICE.test(service);
}
